// End-to-end tests of rsdata through the AWS SDK for JavaScript v3: long
// polling (WaitTimeSeconds), batch execution modes, sessions and
// ListSessions, and the per-statement limit on waiting requests.
//
// cmd/rsdata/js_test.go starts `rsdata serve` and runs this file with
// RSDATA_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set. It can
// also be run by hand against a running rsdata:
//
//   RSDATA_ENDPOINT=http://127.0.0.1:8085 AWS_ACCESS_KEY_ID=... \
//   AWS_SECRET_ACCESS_KEY=... npm test
//
// Tests run one after another (node:test's default within a file), so the
// timing assertions are not disturbed by other tests' statements.

import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";

import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  GetStatementResultV2Command,
  ListSessionsCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";

function requiredEnv(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} must be set (cmd/rsdata/js_test.go sets it)`);
  }
  return v;
}

const client = new RedshiftDataClient({
  endpoint: requiredEnv("RSDATA_ENDPOINT"),
  region: "us-east-1",
  credentials: {
    accessKeyId: requiredEnv("AWS_ACCESS_KEY_ID"),
    secretAccessKey: requiredEnv("AWS_SECRET_ACCESS_KEY"),
  },
  // A retry would hide the very errors these tests expect and skew timings.
  maxAttempts: 1,
});

// Mirrors DefaultMaxWaiters in internal/statement/engine.go: how many
// requests with WaitTimeSeconds may wait on one statement at a time.
const MAX_WAITERS = 10;

// rsdata's texts (AWS's are not documented; docs/ERRORS.md).
const NO_RESULT = "Query does not have result. Please check query status with DescribeStatement.";
const TOO_MANY_WAITERS =
  "The number of active requests with WaitTimeSeconds for the same SQL statement exceeds the limit. Retry without WaitTimeSeconds, or later.";

const ID = /^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}$/;
const NOT_TERMINAL = ["SUBMITTED", "PICKED", "STARTED"];

// Table names are unique per run, so the file can be rerun against a server
// that keeps its data.
const run = randomUUID().slice(0, 8);

function onCluster(sql, extra = {}) {
  return { ClusterIdentifier: "local", Database: "dev", DbUser: "awsuser", Sql: sql, ...extra };
}

function batchOnCluster(sqls, extra = {}) {
  return { ClusterIdentifier: "local", Database: "dev", DbUser: "awsuser", Sqls: sqls, ...extra };
}

// timed runs fn and returns its value with the elapsed seconds.
async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - start) / 1000 };
}

// rejectsAws asserts that promise fails with the named AWS error, sent by
// the server (HTTP 400), and runs check on the error.
async function rejectsAws(promise, name, check = () => {}) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `want ${name}, got ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, 400, `${name} should come from the server with HTTP 400`);
    check(err);
    return true;
  });
}

// execute runs sql on the cluster, waiting for it, and requires FINISHED.
async function execute(sql, extra = {}) {
  const out = await client.send(new ExecuteStatementCommand(onCluster(sql, { WaitTimeSeconds: 30, ...extra })));
  if (out.Status !== "FINISHED") {
    const d = await client.send(new DescribeStatementCommand({ Id: out.Id }));
    assert.fail(`${sql}: status ${out.Status} (${d.Status}): ${d.Error}`);
  }
  return out;
}

// describeDone long-polls DescribeStatement until the statement is terminal.
async function describeDone(id) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await client.send(new DescribeStatementCommand({ Id: id, WaitTimeSeconds: 30 }));
    if (!NOT_TERMINAL.includes(d.Status)) {
      return d;
    }
    assert.ok(Date.now() < deadline, `statement ${id} still ${d.Status} after 60 s`);
  }
}

// firstLong is the longValue of the first cell of a finished statement.
async function firstLong(id) {
  const res = await client.send(new GetStatementResultCommand({ Id: id }));
  assert.ok(res.Records?.length > 0, `statement ${id} returned no rows`);
  return res.Records[0][0].longValue;
}

async function session(sessionId) {
  const out = await client.send(new ListSessionsCommand({ SessionId: sessionId }));
  assert.equal(out.Sessions.length, 1, `ListSessions(${sessionId}) returned ${out.Sessions.length} sessions`);
  assert.equal(out.Sessions[0].SessionId, sessionId);
  return out.Sessions[0];
}

test("ExecuteStatement with WaitTimeSeconds returns the final status in the same reply", { timeout: 60_000 }, async () => {
  const exec = await timed(() => client.send(new ExecuteStatementCommand(onCluster("select 41 + 1 as answer", { WaitTimeSeconds: 10 }))));
  assert.ok(exec.seconds < 5, `ExecuteStatement of a quick query waited ${exec.seconds} s of WaitTimeSeconds=10`);
  const out = exec.value;
  assert.match(out.Id, ID);
  assert.equal(out.Status, "FINISHED");
  assert.equal(out.HasResultSet, true);
  assert.ok(Number.isInteger(out.RedshiftPid) && out.RedshiftPid > 0, `RedshiftPid = ${out.RedshiftPid}`);
  assert.equal(out.ClusterIdentifier, "local");
  assert.equal(out.Database, "dev");
  assert.equal(out.DbUser, "awsuser");
  assert.ok(out.CreatedAt instanceof Date);

  const res = await client.send(new GetStatementResultCommand({ Id: out.Id, WaitTimeSeconds: 10 }));
  assert.equal(res.TotalNumRows, 1);
  assert.equal(res.ColumnMetadata[0].name, "answer");
  assert.deepEqual(res.Records, [[{ longValue: 42 }]]);

  // Waiting on a statement that has already ended returns at once.
  const again = await timed(() => client.send(new DescribeStatementCommand({ Id: out.Id, WaitTimeSeconds: 30 })));
  assert.equal(again.value.Status, "FINISHED");
  assert.equal(again.value.RedshiftPid, out.RedshiftPid);
  assert.ok(again.seconds < 1, `DescribeStatement on a finished statement waited ${again.seconds} s`);

  // Without WaitTimeSeconds ExecuteStatement stays asynchronous: it answers
  // at once, before the statement has run.
  const nowait = await timed(() => client.send(new ExecuteStatementCommand(onCluster("select pg_sleep(1)"))));
  assert.ok(nowait.seconds < 0.9, `ExecuteStatement without WaitTimeSeconds took ${nowait.seconds} s`);
  assert.equal((await describeDone(nowait.value.Id)).Status, "FINISHED");
});

test("WaitTimeSeconds ends the wait early and reports a running statement", { timeout: 60_000 }, async () => {
  const exec = await timed(() => client.send(new ExecuteStatementCommand(onCluster("select pg_sleep(3)", { WaitTimeSeconds: 1 }))));
  assert.ok(exec.seconds >= 0.9 && exec.seconds <= 2.5, `ExecuteStatement WaitTimeSeconds=1 took ${exec.seconds} s`);
  assert.ok(NOT_TERMINAL.includes(exec.value.Status), `status after 1 s of pg_sleep(3): ${exec.value.Status}`);
  assert.equal(exec.value.HasResultSet, false);

  // About 2 s of the sleep remain: the wait ends when the statement does,
  // not when WaitTimeSeconds runs out.
  const desc = await timed(() => client.send(new DescribeStatementCommand({ Id: exec.value.Id, WaitTimeSeconds: 10 })));
  assert.equal(desc.value.Status, "FINISHED");
  assert.ok(desc.seconds >= 0.5 && desc.seconds < 5, `DescribeStatement WaitTimeSeconds=10 took ${desc.seconds} s; about 2 s remained`);
  assert.ok(desc.value.RedshiftPid > 0);
  assert.equal(desc.value.HasResultSet, true);

  // GetStatementResult(V2) waits for a statement that ends within the wait
  // and returns its rows.
  const json = await client.send(new ExecuteStatementCommand(onCluster("select 5 as five from (select pg_sleep(1)) s")));
  const rows = await timed(() => client.send(new GetStatementResultCommand({ Id: json.Id, WaitTimeSeconds: 10 })));
  assert.deepEqual(rows.value.Records, [[{ longValue: 5 }]]);
  assert.ok(rows.seconds >= 0.5 && rows.seconds < 5, `GetStatementResult WaitTimeSeconds=10 took ${rows.seconds} s for a 1 s query`);
  const csv = await client.send(new ExecuteStatementCommand(onCluster("select 6 as six from (select pg_sleep(1)) s", { ResultFormat: "CSV" })));
  const chunk = await client.send(new GetStatementResultV2Command({ Id: csv.Id, WaitTimeSeconds: 10 }));
  assert.deepEqual(chunk.Records, [{ CSVRecords: "six\r\n6\r\n" }]);

  // A result asked for while the statement still runs: ResourceNotFound
  // once the wait is over.
  const slow = await client.send(new ExecuteStatementCommand(onCluster("select pg_sleep(5)")));
  const start = performance.now();
  await rejectsAws(client.send(new GetStatementResultCommand({ Id: slow.Id, WaitTimeSeconds: 1 })), "ResourceNotFoundException",
    (err) => assert.equal(err.message, NO_RESULT));
  const seconds = (performance.now() - start) / 1000;
  assert.ok(seconds >= 0.9 && seconds <= 2.5, `GetStatementResult WaitTimeSeconds=1 failed after ${seconds} s`);

  const cancelled = await client.send(new CancelStatementCommand({ Id: slow.Id }));
  assert.equal(cancelled.Status, true);
  assert.equal((await describeDone(slow.Id)).Status, "ABORTED");
});

test("WaitTimeSeconds outside 1..30 is a ValidationException from the server", { timeout: 60_000 }, async () => {
  // SDK v3 does not check ranges itself, so each rejection is the server's
  // (rejectsAws requires an HTTP 400 reply).
  const done = await execute("select 1");
  for (const wait of [0, 31]) {
    const calls = {
      ExecuteStatement: () => client.send(new ExecuteStatementCommand(onCluster("select 1", { WaitTimeSeconds: wait }))),
      BatchExecuteStatement: () =>
        client.send(new BatchExecuteStatementCommand(batchOnCluster(["select 1"], { WaitTimeSeconds: wait }))),
      DescribeStatement: () => client.send(new DescribeStatementCommand({ Id: done.Id, WaitTimeSeconds: wait })),
      GetStatementResult: () => client.send(new GetStatementResultCommand({ Id: done.Id, WaitTimeSeconds: wait })),
      GetStatementResultV2: () => client.send(new GetStatementResultV2Command({ Id: done.Id, WaitTimeSeconds: wait })),
    };
    for (const [op, call] of Object.entries(calls)) {
      const bound = wait < 1 ? "greater than or equal to 1" : "less than or equal to 30";
      await rejectsAws(call(), "ValidationException", (err) => {
        assert.equal(err.message,
          `1 validation error detected: Value '${wait}' at 'waitTimeSeconds' failed to satisfy constraint: Member must have value ${bound}`,
          `${op} WaitTimeSeconds=${wait}`);
      });
    }
  }
});

test("BatchExecuteStatement AUTO_COMMIT commits each statement on its own", { timeout: 60_000 }, async () => {
  const table = `jsa_${run}`;
  const out = await client.send(new BatchExecuteStatementCommand(batchOnCluster(
    [`create table ${table}(x int)`, `insert into ${table} values (1)`, `insert into ${table} values ('oops')`, `insert into ${table} values (2)`],
    { ExecutionMode: "AUTO_COMMIT", WaitTimeSeconds: 10 },
  )));
  assert.match(out.Id, ID);
  assert.equal(out.Status, "FAILED", "a batch with a failed statement ends FAILED");
  assert.equal(out.HasResultSet, false);

  const d = await client.send(new DescribeStatementCommand({ Id: out.Id }));
  assert.equal(d.Status, "FAILED");
  assert.equal(d.ExecutionMode, "AUTO_COMMIT");
  assert.match(d.Error ?? "", /oops/);
  assert.deepEqual(d.SubStatements.map((s) => s.Id), [1, 2, 3, 4].map((n) => `${out.Id}:${n}`));
  assert.deepEqual(d.SubStatements.map((s) => s.Status), ["FINISHED", "FINISHED", "FAILED", "FINISHED"]);
  assert.match(d.SubStatements[2].Error ?? "", /^ERROR: .*oops/);
  assert.equal(d.SubStatements[3].Error ?? "", "");
  assert.equal(d.SubStatements[3].ResultRows, 1);

  const count = await execute(`select count(*) from ${table}`);
  assert.equal(await firstLong(count.Id), 2);
});

test("BatchExecuteStatement TRANSACTION (the default) rolls the whole batch back", { timeout: 60_000 }, async () => {
  const table = `jsb_${run}`;
  const out = await client.send(new BatchExecuteStatementCommand(batchOnCluster(
    [`create table ${table}(x int)`, `insert into ${table} values (1)`, `insert into ${table} values ('oops')`, `insert into ${table} values (2)`],
    { WaitTimeSeconds: 10 },
  )));
  assert.equal(out.Status, "FAILED");

  const d = await client.send(new DescribeStatementCommand({ Id: out.Id }));
  assert.equal(d.Status, "FAILED");
  assert.equal(d.ExecutionMode, "TRANSACTION", "DescribeStatement reports the default mode");
  assert.match(d.Error ?? "", /oops/);
  // The statements before the failure ran (and were rolled back), as AWS
  // reports them; the one after it never ran: rsdata ends it ABORTED.
  assert.deepEqual(d.SubStatements.map((s) => s.Status), ["FINISHED", "FINISHED", "FAILED", "ABORTED"]);
  assert.match(d.SubStatements[2].Error ?? "", /oops/);
  assert.match(d.SubStatements[3].Error ?? "", /not run/i);
  assert.equal(d.SubStatements[3].HasResultSet, false);

  // The create table was rolled back with the rest.
  const sel = await client.send(new ExecuteStatementCommand(onCluster(`select count(*) from ${table}`, { WaitTimeSeconds: 10 })));
  assert.equal(sel.Status, "FAILED");
  const sd = await client.send(new DescribeStatementCommand({ Id: sel.Id }));
  assert.match(sd.Error ?? "", /does not exist/);
});

test("BatchExecuteStatement with WaitTimeSeconds reports the whole batch; sub-statement ids can be waited on", { timeout: 60_000 }, async () => {
  const out = await client.send(new BatchExecuteStatementCommand(batchOnCluster(
    ["select 1 as a", "select 2 as b"], { WaitTimeSeconds: 10 })));
  assert.equal(out.Status, "FINISHED");
  assert.equal(out.HasResultSet, true);
  assert.ok(out.RedshiftPid > 0, `RedshiftPid = ${out.RedshiftPid}`);
  assert.equal(await firstLong(`${out.Id}:2`), 2);

  // Waiting on the first sub-statement returns when it ends, while the
  // batch still runs its second.
  const slow = await client.send(new BatchExecuteStatementCommand(batchOnCluster(["select 1", "select pg_sleep(3)"])));
  const sub = await timed(() => client.send(new DescribeStatementCommand({ Id: `${slow.Id}:1`, WaitTimeSeconds: 10 })));
  assert.equal(sub.value.Status, "FINISHED");
  assert.ok(sub.seconds < 2, `waiting on sub-statement 1 took ${sub.seconds} s`);
  const parent = await client.send(new DescribeStatementCommand({ Id: slow.Id }));
  assert.ok(NOT_TERMINAL.includes(parent.Status), `batch status while its second statement sleeps: ${parent.Status}`);
  const whole = await client.send(new DescribeStatementCommand({ Id: slow.Id, WaitTimeSeconds: 10 }));
  assert.equal(whole.Status, "FINISHED");
});

test("sessions keep a connection between statements and ListSessions reports them", { timeout: 90_000 }, async () => {
  const first = await execute("select 1", { SessionKeepAliveSeconds: 30 });
  const sid = first.SessionId;
  assert.match(sid ?? "", ID);

  // Later calls name only the session; it supplies cluster, database, user.
  const create = await client.send(new ExecuteStatementCommand({
    SessionId: sid, Sql: "create temp table jst(x int); insert into jst values (7)", WaitTimeSeconds: 10 }));
  assert.equal(create.Status, "FINISHED");
  assert.equal(create.SessionId, sid);
  assert.equal(create.ClusterIdentifier, "local");
  assert.equal(create.Database, "dev");
  assert.equal(create.DbUser, "awsuser");

  const sel = await client.send(new ExecuteStatementCommand({ SessionId: sid, Sql: "select x from jst", WaitTimeSeconds: 10 }));
  assert.equal(sel.Status, "FINISHED");
  assert.equal(await firstLong(sel.Id), 7);
  assert.equal((await client.send(new DescribeStatementCommand({ Id: sel.Id }))).SessionId, sid);

  // The temporary table lives on the session's connection only.
  const outside = await client.send(new ExecuteStatementCommand(onCluster("select x from jst", { WaitTimeSeconds: 10 })));
  assert.equal(outside.Status, "FAILED");

  // One statement at a time: BUSY while it runs, and a second is refused.
  const busy = await client.send(new ExecuteStatementCommand({ SessionId: sid, Sql: "select pg_sleep(3)" }));
  assert.equal(busy.SessionId, sid);
  const during = await session(sid);
  assert.equal(during.Status, "BUSY");
  assert.equal(during.CurrentStatementId, busy.Id);
  await rejectsAws(client.send(new ExecuteStatementCommand({ SessionId: sid, Sql: "select 1" })), "ValidationException");

  assert.equal((await describeDone(busy.Id)).Status, "FINISHED");
  const after = await session(sid);
  assert.equal(after.Status, "AVAILABLE");
  assert.equal(after.CurrentStatementId, undefined);
  assert.equal(after.SessionAliveSeconds, 30);
  assert.equal(after.ClusterIdentifier, "local");
  assert.equal(after.Database, "dev");
  assert.equal(after.DbUser, "awsuser");
  assert.ok(after.CreatedAt instanceof Date);
  const ttl = after.SessionTtl?.getTime() ?? 0;
  assert.ok(ttl > Date.now(), `SessionTtl ${after.SessionTtl?.toISOString()} is not in the future`);
  assert.ok(ttl <= Date.now() + 31_000, `SessionTtl ${after.SessionTtl?.toISOString()} is more than 30 s away`);

  // With no Status filter ListSessions lists AVAILABLE and BUSY sessions.
  const all = await client.send(new ListSessionsCommand({}));
  const listed = all.Sessions.find((s) => s.SessionId === sid);
  assert.ok(listed, `ListSessions without a filter omits session ${sid}`);
  assert.equal(listed.Status, "AVAILABLE");
});

test("a session closes when its keep-alive passes and then is not available", { timeout: 60_000 }, async () => {
  const out = await execute("select 1", { SessionKeepAliveSeconds: 1 });
  const sid = out.SessionId;
  assert.match(sid ?? "", ID);

  const deadline = Date.now() + 10_000;
  let s = await session(sid);
  while (s.Status !== "CLOSED") {
    assert.ok(Date.now() < deadline, `session with a 1 s keep-alive still ${s.Status} 10 s after its statement`);
    await delay(200);
    s = await session(sid);
  }
  assert.equal(s.CurrentStatementId, undefined);

  const open = await client.send(new ListSessionsCommand({}));
  assert.ok(!open.Sessions.some((x) => x.SessionId === sid), "ListSessions without a filter lists a CLOSED session");
  const closed = await client.send(new ListSessionsCommand({ Status: "CLOSED" }));
  assert.ok(closed.Sessions.some((x) => x.SessionId === sid), "ListSessions Status=CLOSED omits the closed session");

  await rejectsAws(client.send(new ExecuteStatementCommand({ SessionId: sid, Sql: "select 1" })), "ValidationException",
    (err) => assert.equal(err.message, "Session is not available"));
});

test("an unknown SessionId is invalid", { timeout: 30_000 }, async () => {
  const unknown = randomUUID();
  await rejectsAws(client.send(new ExecuteStatementCommand({ SessionId: unknown, Sql: "select 1" })), "ValidationException",
    (err) => assert.equal(err.message, `Session with Id: ${unknown} is invalid`));
  await rejectsAws(client.send(new ListSessionsCommand({ SessionId: unknown })), "ResourceNotFoundException",
    (err) => {
      assert.equal(err.message, `Session with Id: ${unknown} does not exist.`);
      assert.equal(err.ResourceId, unknown);
    });
  await rejectsAws(client.send(new ListSessionsCommand({ SessionId: unknown, Status: "AVAILABLE" })), "ValidationException",
    (err) => assert.equal(err.message, "SessionId cannot be combined with Status, ClusterIdentifier, WorkgroupName or Database."));
  await rejectsAws(client.send(new ListSessionsCommand({ Status: "OPEN" })), "ValidationException",
    (err) => assert.equal(err.message,
      "1 validation error detected: Value 'OPEN' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [AVAILABLE, BUSY, CLOSED]"));
});

test("too many waiting requests on one statement get ActiveWaitingRequestsExceededException", { timeout: 60_000 }, async () => {
  const out = await client.send(new ExecuteStatementCommand(onCluster("select pg_sleep(5)")));

  // Exactly the limit may wait at once; each gives its place back when its
  // wait times out.
  const first = await Promise.allSettled(Array.from({ length: MAX_WAITERS }, () =>
    client.send(new DescribeStatementCommand({ Id: out.Id, WaitTimeSeconds: 1 }))));
  for (const r of first) {
    assert.equal(r.status, "fulfilled", `a waiter within the limit failed: ${r.reason?.name}: ${r.reason?.message}`);
    assert.ok(NOT_TERMINAL.includes(r.value.Status), `status after 1 s of pg_sleep(5): ${r.value.Status}`);
  }

  const extra = 3;
  const second = await Promise.allSettled(Array.from({ length: MAX_WAITERS + extra }, () =>
    timed(() => client.send(new DescribeStatementCommand({ Id: out.Id, WaitTimeSeconds: 10 })))));
  const finished = second.filter((r) => r.status === "fulfilled");
  const refused = second.filter((r) => r.status === "rejected");
  for (const r of refused) {
    assert.equal(r.reason.name, "ActiveWaitingRequestsExceededException", `${r.reason.name}: ${r.reason.message}`);
    assert.equal(r.reason.message, TOO_MANY_WAITERS);
    assert.equal(r.reason.$metadata?.httpStatusCode, 400);
  }
  for (const r of finished) {
    assert.equal(r.value.value.Status, "FINISHED");
    assert.ok(r.value.seconds < 9, `a waiter returned after ${r.value.seconds} s, not when the statement ended`);
  }
  assert.ok(refused.length >= 1, `all ${second.length} concurrent waiters were admitted; the limit is ${MAX_WAITERS}`);
  assert.ok(finished.length >= 1 && finished.length <= MAX_WAITERS,
    `${finished.length} of ${second.length} concurrent waiters were admitted; the limit is ${MAX_WAITERS}`);
});
