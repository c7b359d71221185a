package datastore

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Container types a catalog can include.
var containerTypes = []string{"table", "view"}

// CatalogInput is POST /api/operations/run for a catalog.
type CatalogInput struct {
	DatastoreID int64
	// Include lists container types ("table", "view"); empty: both.
	Include []string
	// Prune removes containers no longer found; Recreate drops the whole
	// catalog first.
	Prune, Recreate bool
}

// RunCatalog queues a catalog operation and starts it in the background.
func (s *Service) RunCatalog(ctx context.Context, in CatalogInput) (*Operation, error) {
	if in.DatastoreID == 0 {
		return nil, invalid("datastore_id", "is required")
	}
	include := in.Include
	if len(include) == 0 {
		include = containerTypes
	}
	for _, t := range include {
		if !slices.Contains(containerTypes, t) {
			return nil, invalid("include", "unknown container type %q: use \"table\" or \"view\"", t)
		}
	}
	d, err := s.store.GetDatastore(ctx, in.DatastoreID)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nil, invalid("datastore_id", "datastore %d does not exist", in.DatastoreID)
	}
	if err != nil {
		return nil, err
	}
	op := &Operation{Type: "catalog", DatastoreID: d.ID, Status: OpQueued, Include: include, Prune: in.Prune, Recreate: in.Recreate,
		Instance: s.opts.Instance}
	if err := s.store.CreateOperation(ctx, op); err != nil {
		return nil, err
	}
	opCtx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	s.cancels[op.ID] = running{datastoreID: d.ID, cancel: cancel}
	s.mu.Unlock()
	s.ops.Add(1)
	snapshot := *op
	go func() {
		defer s.ops.Done()
		defer cancel()
		s.runCatalog(opCtx, &snapshot)
	}()
	return op, nil
}

// runCatalog reads the schema and records what it found. Its writes use
// the service's context so an abort is still recorded.
func (s *Service) runCatalog(ctx context.Context, op *Operation) {
	defer func() {
		s.mu.Lock()
		delete(s.cancels, op.ID)
		s.mu.Unlock()
	}()
	op.Status, op.StartedAt = OpRunning, s.now()
	if err := s.store.UpdateOperation(s.ctx, op); err != nil {
		s.opts.Logger.Error("catalog operation", "id", op.ID, "err", err)
		return
	}
	found, err := s.readCatalog(ctx, op)
	if err == nil && ctx.Err() == nil {
		if op.Recreate {
			err = s.store.DeleteContainers(s.ctx, op.DatastoreID)
		}
		if err == nil {
			op.Added, op.Updated, op.Removed, err = s.store.SyncContainers(s.ctx, op.DatastoreID, op.Include, found, op.Prune || op.Recreate)
		}
	}
	op.EndedAt = s.now()
	var ce *ConnectError
	switch {
	case ctx.Err() != nil:
		op.Status, op.Message = OpAborted, "the operation was aborted"
	case errors.As(err, &ce):
		op.Status, op.Message = OpFailure, ce.Message
	case err != nil:
		s.opts.Logger.Error("catalog operation", "id", op.ID, "err", err)
		op.Status, op.Message = OpFailure, "the catalog could not be recorded"
	default:
		op.Status = OpSuccess
		op.Message = fmt.Sprintf("%d containers added, %d updated, %d removed", op.Added, op.Updated, op.Removed)
	}
	if err := s.store.UpdateOperation(context.WithoutCancel(s.ctx), op); err != nil {
		s.opts.Logger.Error("catalog operation", "id", op.ID, "err", err)
	}
}

func (s *Service) readCatalog(ctx context.Context, op *Operation) ([]Container, error) {
	d, err := s.store.GetDatastore(ctx, op.DatastoreID)
	if err != nil {
		return nil, err
	}
	c, err := s.connection(ctx, d.ConnectionID)
	if err != nil {
		return nil, err
	}
	t, err := s.target(c, d.Database, d.Schema)
	if err != nil {
		return nil, err
	}
	all, err := s.conn.Catalog(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Container
	for _, ct := range all {
		if slices.Contains(op.Include, ct.Type) {
			out = append(out, ct)
		}
	}
	return out, nil
}

// running is a catalog operation's worker.
type running struct {
	datastoreID int64
	cancel      context.CancelFunc
}

// Operation returns an operation.
func (s *Service) Operation(ctx context.Context, id int64) (*Operation, error) {
	return s.store.GetOperation(ctx, id)
}

// Abort stops a queued or running operation; it ends "aborted". Aborting
// an ended one is a *ConflictError.
func (s *Service) Abort(ctx context.Context, id int64) (*Operation, error) {
	op, err := s.store.GetOperation(ctx, id)
	if err != nil {
		return nil, err
	}
	if op.Terminal() {
		return nil, &ConflictError{Message: fmt.Sprintf("operation %d has already ended (%s)", id, op.Status)}
	}
	if s.AbortRequested(id) {
		return op, nil
	}
	// No worker here: another replica may run it (the store tells it to
	// stop, so its catalog is not written after the abort), or nobody
	// does (the process that queued it is gone).
	at := s.now()
	aborted, err := s.store.AbortOperation(ctx, id, at, "the operation was aborted")
	if err != nil {
		return nil, err
	}
	if !aborted {
		if op, err = s.store.GetOperation(ctx, id); err != nil {
			return nil, err
		}
		return nil, &ConflictError{Message: fmt.Sprintf("operation %d has already ended (%s)", id, op.Status)}
	}
	op.Status, op.Message, op.EndedAt = OpAborted, "the operation was aborted", at
	return op, nil
}

// AbortRequested stops operation id's worker if it runs here, and reports
// whether it did; the worker records the abort. Replicas call it when
// another one aborted the operation.
func (s *Service) AbortRequested(id int64) bool {
	s.mu.Lock()
	run, ok := s.cancels[id]
	s.mu.Unlock()
	if ok {
		run.cancel()
	}
	return ok
}

func (s *Service) abortOperationsOf(datastoreID int64) {
	// Operations of a deleted datastore are removed with it; stop the
	// workers so they do not write a catalog back.
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, run := range s.cancels {
		if run.datastoreID == datastoreID {
			run.cancel()
		}
	}
}

// Containers lists a datastore's catalogued containers.
func (s *Service) Containers(ctx context.Context, datastoreID int64) ([]*Container, error) {
	if _, err := s.store.GetDatastore(ctx, datastoreID); err != nil {
		return nil, err
	}
	return s.store.ListContainers(ctx, datastoreID)
}

// Container returns one container with its fields.
func (s *Service) Container(ctx context.Context, id int64) (*Container, error) {
	return s.store.GetContainer(ctx, id)
}
