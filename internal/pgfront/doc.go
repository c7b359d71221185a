// Package pgfront is the PostgreSQL wire front of the embedded clusters and
// workgroups: it owns the TCP port that DescribeClusters and GetWorkgroup
// report, and relays every connection to the PostgreSQL server behind it,
// which listens on a loopback port no client is told of.
//
// What it relays as it is: the StartupMessage (user, database, options),
// every authentication message both ways (SCRAM, md5, cleartext: the server
// checks the password, so GetClusterCredentials' temporary users and their
// expiry work as they do on the server), CancelRequests (forwarded on a new
// connection to the server, so Ctrl-C in psql cancels), and every message
// but two: the SQL of Query and Parse messages is translated with the
// engine's dialect (Translator). Backend messages are streamed through
// message by message, never a whole result at once; only ErrorResponses are
// decoded, to word them as Redshift does where it differs (errors.go).
//
// With Options.TLS, an SSLRequest is answered 'S' and the connection goes on
// over TLS (1.2 or later; startup.go): the StartupMessage and everything
// after it come over TLS, while the link to the server stays plain
// loopback TCP. Bytes sent after an SSLRequest before its answer, a second
// SSLRequest and a failed handshake end the connection; Options.RequireTLS
// refuses a client that starts without TLS. Without Options.TLS the answer
// is 'N' and clients that prefer TLS go on without it. GSSENCRequest is
// always answered 'N'. cert.go makes and checks the certificate rsdata
// generates for its fronts (EnsureCertificate) and loads a key pair
// (TLSConfig).
//
// Bounds: at most Options.MaxConns relayed connections at once (one more is
// told, in Redshift's words, that the connection limit is exceeded); a
// connection must finish its start-up, TLS handshake and authentication
// within Options.StartupTimeout; both relay goroutines of a connection end
// as soon as either side closes.
//
// One kind of statement never reaches the server: a Redshift user or group
// statement (CREATE USER, ALTER GROUP, ...), which rsdata runs for the
// session's user (Options.Roles) and the front answers itself, in step with
// the session's transaction. A simple Query of one is answered at once
// (roles.go). In the extended protocol its Parse goes to the server as a DO
// block that is never executed, so Bind, Describe and Close get the
// server's own answers; at its Execute the front asks the server, with a
// probe of its own, whether everything before has succeeded (an error makes
// the server skip to the Sync, the probe with it), then runs the statement
// and answers the Execute, or sends its refusal in band (roleprobe.go).
package pgfront
