package pgexec

import "testing"

// TestReadOnlyRefusal: what could end a source's read-only transaction or
// weaken the next one is refused, wherever the lexer finds it; strings,
// comments and quoted names that merely contain the words are not.
func TestReadOnlyRefusal(t *testing.T) {
	refused := []string{
		"SET TRANSACTION READ WRITE",
		"set transaction isolation level serializable",
		"set default_transaction_read_only = off",
		"SET SESSION default_transaction_read_only TO off",
		"set local transaction_read_only = off",
		`set "default_transaction_read_only" = off`,
		"SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
		"SET SESSION AUTHORIZATION postgres",
		"set role admin",
		"set standard_conforming_strings = off",
		"RESET ALL",
		"reset default_transaction_read_only",
		"BEGIN READ WRITE",
		"begin; insert into t values (1)",
		"start transaction read write",
		"/* c */ start transaction read write",
		"select 1; commit; insert into t values (1)",
		"commit and chain",
		"rollback to savepoint a",
		"savepoint a",
		"prepare transaction 'x'",
		"select set_config('default_transaction_read_only', 'off', false)",
		`select pg_catalog."set_config"('role', 'x', false)`,
		"select pg_advisory_lock(1)",
		"select lo_create(0)",
		"select lo_import('/etc/passwd')",
		"discard all",
		"lock table t in access exclusive mode",
		"notify ch",
		"select pg_terminate_backend(1)",
	}
	for _, sql := range refused {
		if ReadOnlyRefusal(sql) == "" {
			t.Errorf("%q is not refused", sql)
		}
	}
	allowed := []string{
		"select 1",
		"select 'commit; set transaction read write'",
		"select * from t -- ; commit",
		"/* ; commit */ select 2",
		`select "commit" from t`,
		"select $$ ; begin read write $$",
		"set search_path to finance",
		"set datestyle = 'ISO'",
		"show transaction_read_only",
		"insert into t values (1)", // left to PostgreSQL's read-only mode
		"BEGIN", "begin transaction", "start transaction", "COMMIT", "end", "rollback work", "abort",
		"select set_config_like from t",
	}
	for _, sql := range allowed {
		if why := ReadOnlyRefusal(sql); why != "" {
			t.Errorf("%q is refused: %s", sql, why)
		}
	}
	for sql, want := range map[string]txWord{"BEGIN": txBegin, "start transaction": txBegin, "commit work": txEnd,
		"END": txEnd, "abort": txEnd, "begin read only": txNone, "commit; select 1": txNone} {
		if got := bareTx(sql); got != want {
			t.Errorf("bareTx(%q) = %v, want %v", sql, got, want)
		}
	}
}
