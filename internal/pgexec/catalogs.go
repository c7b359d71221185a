package pgexec

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// catalogTimeout bounds one catalog operation.
const catalogTimeout = 60 * time.Second

// withCatalog runs fn on a pooled connection of the login req names.
// Connection failures come back as *statement.ConnectionError, database
// errors as *statement.DatabaseError.
func (x *Executor) withCatalog(ctx context.Context, req statement.ConnRequest, fn func(Catalog) error) error {
	ep, err := x.endpoint(req.Target)
	if err != nil {
		return err
	}
	user := req.DbUser
	if user == "" {
		user = ep.MasterUser
	}
	ctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	defer cancel()
	var p *pgxpool.Pool
	switch {
	case ep.Login != nil && req.Database != ep.Database:
		return &statement.ConnectionError{Message: "FATAL: " + ep.Name + " serves database \"" + ep.Database + "\" only"}
	case ep.Login != nil:
		p, err = x.datastorePool(ctx, ep)
	default:
		p, err = x.loginPool(ctx, ep, req.Database, user, req.Password)
	}
	if err == nil && req.AutoCreate && ep.Login == nil {
		var admin *pgxpool.Pool
		if admin, err = x.pool(ctx, ep, req.Database, catalogUser(ep)); err == nil {
			err = ensureLogin(ctx, admin, user)
		}
	}
	if err == nil {
		var c interface{ Release() }
		pc, aerr := acquireReady(ctx, p)
		if aerr == nil {
			c = pc
			defer c.Release()
			err = fn(pc.Conn())
		} else {
			err = aerr
		}
	}
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && !isConnectFailure(err) {
		return x.publicError(err)
	}
	x.opts.Logger.Warn("catalog connection failed", "err", err)
	msg := "could not connect to the database"
	var dbErr *statement.DatabaseError
	if errors.As(x.publicError(err), &dbErr) {
		msg = dbErr.Message
	}
	return &statement.ConnectionError{Message: msg}
}

func isConnectFailure(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

// ListDatabases lists the databases of the engine req names.
func (x *Executor) ListDatabases(ctx context.Context, req statement.ConnRequest, p Page) (names []string, more bool, err error) {
	err = x.withCatalog(ctx, req, func(c Catalog) error {
		names, more, err = ListDatabases(ctx, c, p)
		return err
	})
	return names, more, err
}

// ListSchemas lists the schemas of req's database matching pattern.
func (x *Executor) ListSchemas(ctx context.Context, req statement.ConnRequest, pattern string, p Page) (names []string, more bool, err error) {
	err = x.withCatalog(ctx, req, func(c Catalog) error {
		names, more, err = ListSchemas(ctx, c, pattern, p)
		return err
	})
	return names, more, err
}

// ListTablesIn lists the tables and views of req's database matching the
// patterns.
func (x *Executor) ListTablesIn(ctx context.Context, req statement.ConnRequest, schemaPattern, tablePattern string, p Page) (tables []TableInfo, more bool, err error) {
	err = x.withCatalog(ctx, req, func(c Catalog) error {
		tables, more, err = ListTables(ctx, c, schemaPattern, tablePattern, p)
		return err
	})
	return tables, more, err
}

// DescribeTableIn describes the columns of a table of req's database.
func (x *Executor) DescribeTableIn(ctx context.Context, req statement.ConnRequest, schema, table string, p Page) (name string, cols []results.Column, more bool, err error) {
	err = x.withCatalog(ctx, req, func(c Catalog) error {
		name, cols, more, err = DescribeTable(ctx, c, schema, table, p)
		return err
	})
	if ep, eerr := x.endpoint(req.Target); err == nil && eerr == nil && ep.Dialect != dialect.Postgres {
		redshiftTypeNames(cols)
	}
	return name, cols, more, err
}
