package app

import (
	"context"

	"github.com/rsdata/rsdata/internal/api/redshiftdata"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// catalogs adapts the executor's catalog look-ups to the Data API's
// Catalogs interface.
type catalogs struct{ x *pgexec.Executor }

func page(p redshiftdata.CatalogPage) pgexec.Page {
	return pgexec.Page{Offset: p.Offset, Limit: p.Limit}
}

func (c catalogs) ListDatabases(ctx context.Context, req statement.ConnRequest, p redshiftdata.CatalogPage) ([]string, bool, error) {
	return c.x.ListDatabases(ctx, req, page(p))
}

func (c catalogs) ListSchemas(ctx context.Context, req statement.ConnRequest, pattern string, p redshiftdata.CatalogPage) ([]string, bool, error) {
	return c.x.ListSchemas(ctx, req, pattern, page(p))
}

func (c catalogs) ListTables(ctx context.Context, req statement.ConnRequest, schemaPattern, tablePattern string, p redshiftdata.CatalogPage) ([]redshiftdata.TableMember, bool, error) {
	tables, more, err := c.x.ListTablesIn(ctx, req, schemaPattern, tablePattern, page(p))
	out := make([]redshiftdata.TableMember, len(tables))
	for i, t := range tables {
		out[i] = redshiftdata.TableMember{Name: t.Name, Schema: t.Schema, Type: t.Type}
	}
	return out, more, err
}

func (c catalogs) DescribeTable(ctx context.Context, req statement.ConnRequest, schema, table string, p redshiftdata.CatalogPage) (string, []results.Column, bool, error) {
	return c.x.DescribeTableIn(ctx, req, schema, table, page(p))
}
