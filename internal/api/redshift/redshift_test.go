package redshift_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	rs "github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rsdata/rsdata/internal/api/redshift"
	"github.com/rsdata/rsdata/internal/auth"
	"github.com/rsdata/rsdata/internal/awsquery"
	"github.com/rsdata/rsdata/internal/dbcreds"
	"github.com/rsdata/rsdata/internal/dialect"
	"github.com/rsdata/rsdata/internal/engines"
	"github.com/rsdata/rsdata/internal/pgexec"
	"github.com/rsdata/rsdata/internal/sdkhttp"
	"github.com/rsdata/rsdata/internal/store"
	"github.com/rsdata/rsdata/internal/testutil/authtest"
	"github.com/rsdata/rsdata/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const account = "123456789012"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	srv     *pgtest.Server
	db      string
	cluster string
	client  *rs.Client
	authz   *authtest.Recorder
	issuer  *dbcreds.Issuer
	clock   *clock
	ctl     *pgx.Conn
	logs    *bytes.Buffer
}

func setup(t *testing.T, principal *auth.Principal) *env {
	t.Helper()
	ctx := context.Background()
	srv := pgtest.Start(t)
	db, ctlDB := srv.NewDatabase(t), srv.NewDatabase(t)
	s, err := store.Open(ctx, srv.ConnString("postgres", ctlDB), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctl, err := pgx.Connect(ctx, srv.ConnString("postgres", ctlDB))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctl.Close(context.Background()) })
	reg := engines.NewRegistry()
	cluster := "rs-" + strings.ReplaceAll(db, "_", "-")
	if err := reg.Add(&engines.Endpoint{Kind: engines.Cluster, Name: cluster, Host: "127.0.0.1", Port: srv.Port(),
		SocketDir: srv.SocketDir(), AdminUser: "postgres", MasterUser: "awsuser", Database: db, Embedded: true}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	issuer := dbcreds.New(dbcreds.Options{Clock: clk.Now, MinDuration: time.Second, Buffer: -1}, s.Leases(), pgexec.NewRoles(reg))
	az := &authtest.Recorder{}
	logs := &bytes.Buffer{}
	router := awsquery.NewRouter(slog.New(slog.NewTextHandler(logs, nil)))
	redshift.New(redshift.Options{AccountID: account, Region: "us-east-1"}, reg, issuer, az).Register(router)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := auth.WithPrincipal(awsquery.WithService(r.Context(), "redshift"), principal)
		router.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(hs.Close)
	client := rs.New(rs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: sdkhttp.BufferedBodies{Next: http.DefaultTransport}},
	})
	return &env{srv: srv, db: db, cluster: cluster, client: client, authz: az, issuer: issuer, clock: clk, ctl: ctl, logs: logs}
}

func (e *env) connect(user, password string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable", e.srv.Port()))
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password, cfg.Database = user, password, e.db
	return pgx.ConnectConfig(context.Background(), cfg)
}

func (e *env) login(user, password string) error {
	c, err := e.connect(user, password)
	if err != nil {
		return err
	}
	return c.Close(context.Background())
}

func wantAuthFailure(t *testing.T, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Fatalf("login error = %v, want SQLSTATE 28P01", err)
	}
}

func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if msg != "" && api.ErrorMessage() != msg {
		t.Fatalf("message = %q, want %q", api.ErrorMessage(), msg)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("err = %v, want HTTP %d", err, status)
	}
}

var root = &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":root", Root: true}

func TestGetClusterCredentialsLogsIn(t *testing.T) {
	ctx := context.Background()
	e := setup(t, root)
	bob, grp := e.db+"_bob", e.db+"_grp"
	e.srv.Exec(t, e.db, fmt.Sprintf(`CREATE ROLE %s LOGIN; CREATE ROLE %s;
		CREATE TABLE mine (v int); INSERT INTO mine VALUES (5); GRANT SELECT ON mine TO %[1]s;
		CREATE TABLE theirs (v int); INSERT INTO theirs VALUES (6); GRANT SELECT ON theirs TO %[2]s`, bob, grp))

	out, err := e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{
		ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String(bob), DbName: aws.String(e.db),
		AutoCreate: aws.Bool(true), DbGroups: []string{grp}, DurationSeconds: aws.Int32(1200),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantUser := "IAMA:" + bob + ":" + grp
	if aws.ToString(out.DbUser) != wantUser || aws.ToString(out.DbPassword) == "" {
		t.Fatalf("DbUser = %q, want %q", aws.ToString(out.DbUser), wantUser)
	}
	// The issuer runs on e.clock, which stands still: the expiration is
	// exactly its time plus the duration, to the second.
	if exp, want := aws.ToTime(out.Expiration), e.clock.Now().Add(1200*time.Second).Truncate(time.Second); !exp.Equal(want) {
		t.Fatalf("Expiration = %v, want %v", exp, want)
	}
	arn := "arn:aws:redshift:us-east-1:" + account + ":"
	for _, want := range [][2]string{
		{"redshift:GetClusterCredentials", arn + "dbuser:" + e.cluster + "/" + bob},
		{"redshift:GetClusterCredentials", arn + "dbname:" + e.cluster + "/" + e.db},
		{"redshift:CreateClusterUser", arn + "dbuser:" + e.cluster + "/" + bob},
		{"redshift:JoinGroup", arn + "dbgroup:" + e.cluster + "/" + grp},
	} {
		if !e.authz.Seen(want[0], want[1]) {
			t.Errorf("no authorization of %s on %s", want[0], want[1])
		}
	}

	// pgx over TCP: bob's and the group's privileges.
	conn, err := e.connect(wantUser, aws.ToString(out.DbPassword))
	if err != nil {
		t.Fatal(err)
	}
	var a, b int
	if err := conn.QueryRow(ctx, `SELECT (SELECT v FROM mine), (SELECT v FROM theirs)`).Scan(&a, &b); err != nil || a != 5 || b != 6 {
		t.Fatalf("reads = %d, %d, %v", a, b, err)
	}
	conn.Close(ctx)

	// psql, as a user would.
	cmd := exec.Command("psql", "-X", "-tA", "-h", "127.0.0.1", "-p", fmt.Sprint(e.srv.Port()), "-U", wantUser, "-d", e.db, "-c", "SELECT current_user || '/' || (SELECT v FROM mine)")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+aws.ToString(out.DbPassword), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
	got, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != wantUser+"/5" {
		t.Fatalf("psql = %q, %v", got, err)
	}
	cmd = exec.Command("psql", "-X", "-tA", "-h", "127.0.0.1", "-p", fmt.Sprint(e.srv.Port()), "-U", wantUser, "-d", e.db, "-c", "SELECT 1")
	cmd.Env = append(os.Environ(), "PGPASSWORD=wrong", "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
	if got, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(got), "password authentication failed") {
		t.Fatalf("psql with a wrong password = %q, %v", got, err)
	}

	// Without AutoCreate the name is IAM:; an existing user works.
	out2, err := e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String(bob)})
	if err != nil || aws.ToString(out2.DbUser) != "IAM:"+bob {
		t.Fatalf("GetClusterCredentials(no AutoCreate) = %v, %v", out2, err)
	}
	if err := e.login("IAM:"+bob, aws.ToString(out2.DbPassword)); err != nil {
		t.Fatal(err)
	}

	if strings.Contains(e.logs.String(), aws.ToString(out.DbPassword)) {
		t.Fatal("the password was logged")
	}
}

func TestGetClusterCredentialsErrors(t *testing.T) {
	ctx := context.Background()
	e := setup(t, root)
	_, err := e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String("nope"), DbUser: aws.String("bob")})
	wantAPIError(t, err, "ClusterNotFound", 404, "Cluster nope not found.")
	_, err = e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String("bob"), DurationSeconds: aws.Int32(3601)})
	wantAPIError(t, err, "InvalidParameterValue", 400, "Token duration must be between 900 and 3600 seconds")
	_, err = e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String("PUBLIC")})
	wantAPIError(t, err, "InvalidParameterValue", 400, "")
	_, err = e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String("bob"), AutoCreate: aws.Bool(true), DbGroups: []string{"missing_" + e.db}})
	wantAPIError(t, err, "InvalidParameterValue", 400, "Database group missing_"+e.db+" does not exist.")
	e.authz.SetDeny(true)
	_, err = e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String("bob")})
	wantAPIError(t, err, "AccessDenied", 403, "")
	_, err = e.client.DescribeClusters(ctx, &rs.DescribeClustersInput{ClusterIdentifier: aws.String(e.cluster)})
	wantAPIError(t, err, "AccessDenied", 403, "")
}

func TestDescribeClusters(t *testing.T) {
	ctx := context.Background()
	e := setup(t, root)
	out, err := e.client.DescribeClusters(ctx, &rs.DescribeClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Clusters) != 1 {
		t.Fatalf("Clusters = %+v", out.Clusters)
	}
	c := out.Clusters[0]
	if aws.ToString(c.ClusterIdentifier) != e.cluster || aws.ToString(c.ClusterStatus) != "available" ||
		aws.ToString(c.MasterUsername) != "awsuser" || aws.ToString(c.DBName) != e.db || c.Endpoint == nil ||
		aws.ToString(c.Endpoint.Address) != "127.0.0.1" || aws.ToInt32(c.Endpoint.Port) != int32(e.srv.Port()) ||
		aws.ToInt32(c.NumberOfNodes) != 1 || !strings.HasPrefix(aws.ToString(c.ClusterNamespaceArn), "arn:aws:redshift:us-east-1:"+account+":namespace:") {
		t.Fatalf("cluster = %+v", c)
	}
	// The revision is the one SELECT VERSION() names (Redshift 1.0.<revision>).
	if aws.ToString(c.ClusterVersion) != "1.0" || aws.ToString(c.ClusterRevisionNumber) != dialect.Revision {
		t.Errorf("ClusterVersion %q, ClusterRevisionNumber %q", aws.ToString(c.ClusterVersion), aws.ToString(c.ClusterRevisionNumber))
	}
	if !e.authz.Seen("redshift:DescribeClusters", "arn:aws:redshift:us-east-1:"+account+":cluster:"+e.cluster) {
		t.Error("DescribeClusters was not authorized on the cluster ARN")
	}
	one, err := e.client.DescribeClusters(ctx, &rs.DescribeClustersInput{ClusterIdentifier: aws.String(e.cluster)})
	if err != nil || len(one.Clusters) != 1 || aws.ToString(one.Clusters[0].ClusterNamespaceArn) != aws.ToString(c.ClusterNamespaceArn) {
		t.Fatalf("DescribeClusters(id) = %+v, %v", one, err)
	}
	_, err = e.client.DescribeClusters(ctx, &rs.DescribeClustersInput{ClusterIdentifier: aws.String(strings.ToUpper(e.cluster))})
	wantAPIError(t, err, "ClusterNotFound", 404, "Cluster "+strings.ToUpper(e.cluster)+" not found.")
}

func TestGetClusterCredentialsWithIAM(t *testing.T) {
	ctx := context.Background()
	user := &auth.Principal{AccountID: account, ARN: "arn:aws:iam::" + account + ":user/eng/alice-x", UserName: "alice-x", UserID: "AIDAEXAMPLE"}
	e := setup(t, user)
	// Roles are server-wide; start from none.
	e.srv.Exec(t, "postgres", `DROP ROLE IF EXISTS "IAM:alice-x"`)
	out, err := e.client.GetClusterCredentialsWithIAM(ctx, &rs.GetClusterCredentialsWithIAMInput{ClusterIdentifier: aws.String(e.cluster), DbName: aws.String(e.db)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.DbUser) != "IAM:alice-x" || out.NextRefreshTime == nil {
		t.Fatalf("out = %+v", out)
	}
	if !e.authz.Seen("redshift:GetClusterCredentialsWithIAM", "arn:aws:redshift:us-east-1:"+account+":dbname:"+e.cluster+"/"+e.db) {
		t.Error("not authorized on the dbname ARN")
	}
	if err := e.login("IAM:alice-x", aws.ToString(out.DbPassword)); err != nil {
		t.Fatal(err)
	}
}

func TestCredentialExpiryAndReap(t *testing.T) {
	ctx := context.Background()
	e := setup(t, root)
	bob := e.db + "_bob"
	e.srv.Exec(t, e.db, "CREATE ROLE "+bob+" LOGIN")

	// A 2-second credential (MinDuration lowered) stops working by itself.
	short, err := e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster),
		DbUser: aws.String(bob), AutoCreate: aws.Bool(true), DurationSeconds: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.login(aws.ToString(short.DbUser), aws.ToString(short.DbPassword)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := e.login(aws.ToString(short.DbUser), aws.ToString(short.DbPassword))
		if err != nil {
			wantAuthFailure(t, err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("credential works 10 s after its 2 s lifetime")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A 900-second credential ends when the reaper sees it expired.
	long, err := e.client.GetClusterCredentials(ctx, &rs.GetClusterCredentialsInput{ClusterIdentifier: aws.String(e.cluster), DbUser: aws.String(bob)})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.login(aws.ToString(long.DbUser), aws.ToString(long.DbPassword)); err != nil {
		t.Fatal(err)
	}
	leases := func() int {
		var n int
		if err := e.ctl.QueryRow(ctx, `SELECT count(*) FROM dbcred_leases WHERE engine_name = $1`, e.cluster).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := leases(); n != 2 {
		t.Fatalf("%d leases, want 2", n)
	}
	e.clock.Add(3 * time.Second) // the issuer's clock does not move by itself
	if r, err := e.issuer.Reap(ctx); err != nil || r.Revoked != 1 {
		t.Fatalf("Reap = %+v, %v; want the short lease revoked", r, err)
	}
	if err := e.login(aws.ToString(long.DbUser), aws.ToString(long.DbPassword)); err != nil {
		t.Fatalf("unexpired credential reaped: %v", err)
	}
	e.clock.Add(901 * time.Second)
	if r, err := e.issuer.Reap(ctx); err != nil || r.Revoked != 1 {
		t.Fatalf("Reap = %+v, %v", r, err)
	}
	if n := leases(); n != 0 {
		t.Fatalf("%d leases after Reap, want 0", n)
	}
	wantAuthFailure(t, e.login(aws.ToString(long.DbUser), aws.ToString(long.DbPassword)))
	if r, err := e.issuer.Reap(ctx); err != nil || r != (dbcreds.ReapResult{}) {
		t.Fatalf("idle Reap = %+v, %v", r, err)
	}
}
