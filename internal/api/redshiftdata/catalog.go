package redshiftdata

import (
	"context"
	"strconv"

	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awserr"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// Catalogs reads database catalogs for the catalog operations. Each method
// connects as req names; it returns *statement.ConnectionError when it
// cannot connect and *statement.DatabaseError for errors the database
// reports. Page offsets and limits bound each listing; more says whether
// anything follows.
type Catalogs interface {
	ListDatabases(ctx context.Context, req statement.ConnRequest, p CatalogPage) ([]string, bool, error)
	ListSchemas(ctx context.Context, req statement.ConnRequest, pattern string, p CatalogPage) ([]string, bool, error)
	ListTables(ctx context.Context, req statement.ConnRequest, schemaPattern, tablePattern string, p CatalogPage) ([]TableMember, bool, error)
	DescribeTable(ctx context.Context, req statement.ConnRequest, schema, table string, p CatalogPage) (string, []results.Column, bool, error)
}

// CatalogPage is a window over a catalog listing.
type CatalogPage struct{ Offset, Limit int }

// MaxCatalogResults is the largest MaxResults of the catalog operations.
const MaxCatalogResults = 1000

type catalogInput struct {
	connection
	ConnectedDatabase *string `json:"ConnectedDatabase"`
	NextToken         *string `json:"NextToken"`
	MaxResults        *int64  `json:"MaxResults"`
}

type ListDatabasesInput struct{ catalogInput }

type ListDatabasesOutput struct {
	Databases []string `json:"Databases"`
	NextToken string   `json:"NextToken,omitempty"`
}

type ListSchemasInput struct {
	catalogInput
	SchemaPattern *string `json:"SchemaPattern"`
}

type ListSchemasOutput struct {
	Schemas   []string `json:"Schemas"`
	NextToken string   `json:"NextToken,omitempty"`
}

type ListTablesInput struct {
	catalogInput
	SchemaPattern *string `json:"SchemaPattern"`
	TablePattern  *string `json:"TablePattern"`
}

// TableMember is one table of ListTables.
type TableMember struct {
	Name   string `json:"name"`
	Schema string `json:"schema"`
	Type   string `json:"type"`
}

type ListTablesOutput struct {
	Tables    []TableMember `json:"Tables"`
	NextToken string        `json:"NextToken,omitempty"`
}

type DescribeTableInput struct {
	catalogInput
	Schema *string `json:"Schema"`
	Table  *string `json:"Table"`
}

type DescribeTableOutput struct {
	TableName  string           `json:"TableName,omitempty"`
	ColumnList []ColumnMetadata `json:"ColumnList"`
	NextToken  string           `json:"NextToken,omitempty"`
}

// catalogRequest resolves the login and the page of a catalog request.
// defaultDB fills in Database where the operation makes it optional.
func (s *Service) catalogRequest(ctx context.Context, in *catalogInput, action string, defaultDB bool) (statement.ConnRequest, CatalogPage, error) {
	c := in.connection
	if defaultDB && (c.Database == nil || *c.Database == "") {
		_, ep, err := s.resolveTarget(c.ClusterIdentifier, c.WorkgroupName)
		if err != nil {
			return statement.ConnRequest{}, CatalogPage{}, err
		}
		c.Database = &ep.Database
	}
	// PostgreSQL reads a database's catalog only from inside it, so the
	// listing connects to Database itself; ConnectedDatabase is accepted.
	l, err := s.resolveLogin(ctx, c)
	if err != nil {
		return statement.ConnRequest{}, CatalogPage{}, err
	}
	page := CatalogPage{Limit: MaxCatalogResults}
	if in.MaxResults != nil {
		if *in.MaxResults < 0 || *in.MaxResults > MaxCatalogResults {
			return statement.ConnRequest{}, CatalogPage{}, validationf(strconv.FormatInt(*in.MaxResults, 10), "maxResults", "Member must have value less than or equal to 1000")
		}
		if *in.MaxResults > 0 {
			page.Limit = int(*in.MaxResults)
		}
	}
	if in.NextToken != nil {
		off, ok := s.decodeOffset(action, *in.NextToken)
		if !ok {
			return statement.ConnRequest{}, CatalogPage{}, awserr.Validation(msgInvalidToken)
		}
		page.Offset = off
	}
	if err := auth.Require(ctx, s.authz, action, s.resourceARN(l.target)); err != nil {
		return statement.ConnRequest{}, CatalogPage{}, err
	}
	if err := s.authorizeLogin(ctx, l); err != nil {
		return statement.ConnRequest{}, CatalogPage{}, err
	}
	return statement.ConnRequest{Target: l.target, Database: l.database, DbUser: l.dbUser, AutoCreate: l.autoCreate,
		SecretArn: l.secretArn, Password: l.password}, page, nil
}

// Catalog NextTokens carry the offset of the next page, minted for the
// action (a ListSchemas token is refused by ListTables).

func (s *Service) decodeOffset(action, tok string) (int, bool) {
	payload, ok := s.opts.Tokens.Decode(action, tok)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(payload)
	return n, err == nil && n >= 0
}

func (s *Service) nextOffset(action string, p CatalogPage, got int, more bool) string {
	if !more {
		return ""
	}
	return s.opts.Tokens.Encode(action, strconv.Itoa(p.Offset+got))
}

// ListDatabases lists the databases of a cluster or workgroup.
func (s *Service) ListDatabases(ctx context.Context, in *ListDatabasesInput) (*ListDatabasesOutput, error) {
	req, page, err := s.catalogRequest(ctx, &in.catalogInput, "redshift-data:ListDatabases", true)
	if err != nil {
		return nil, err
	}
	names, more, err := s.catalogs.ListDatabases(ctx, req, page)
	if err != nil {
		return nil, err
	}
	return &ListDatabasesOutput{Databases: names, NextToken: s.nextOffset("redshift-data:ListDatabases", page, len(names), more)}, nil
}

// ListSchemas lists a database's schemas matching SchemaPattern.
func (s *Service) ListSchemas(ctx context.Context, in *ListSchemasInput) (*ListSchemasOutput, error) {
	if in.Database == nil {
		return nil, missing("database")
	}
	req, page, err := s.catalogRequest(ctx, &in.catalogInput, "redshift-data:ListSchemas", false)
	if err != nil {
		return nil, err
	}
	names, more, err := s.catalogs.ListSchemas(ctx, req, str(in.SchemaPattern), page)
	if err != nil {
		return nil, err
	}
	return &ListSchemasOutput{Schemas: names, NextToken: s.nextOffset("redshift-data:ListSchemas", page, len(names), more)}, nil
}

// ListTables lists a database's tables and views matching the patterns.
func (s *Service) ListTables(ctx context.Context, in *ListTablesInput) (*ListTablesOutput, error) {
	if in.Database == nil {
		return nil, missing("database")
	}
	req, page, err := s.catalogRequest(ctx, &in.catalogInput, "redshift-data:ListTables", false)
	if err != nil {
		return nil, err
	}
	tables, more, err := s.catalogs.ListTables(ctx, req, str(in.SchemaPattern), str(in.TablePattern), page)
	if err != nil {
		return nil, err
	}
	return &ListTablesOutput{Tables: tables, NextToken: s.nextOffset("redshift-data:ListTables", page, len(tables), more)}, nil
}

// DescribeTable describes a table's columns, paged by MaxResults.
func (s *Service) DescribeTable(ctx context.Context, in *DescribeTableInput) (*DescribeTableOutput, error) {
	if in.Database == nil {
		return nil, missing("database")
	}
	req, page, err := s.catalogRequest(ctx, &in.catalogInput, "redshift-data:DescribeTable", false)
	if err != nil {
		return nil, err
	}
	name, cols, more, err := s.catalogs.DescribeTable(ctx, req, str(in.Schema), str(in.Table), page)
	if err != nil {
		return nil, err
	}
	return &DescribeTableOutput{TableName: name, ColumnList: columnMetadata(cols), NextToken: s.nextOffset("redshift-data:DescribeTable", page, len(cols), more)}, nil
}
