// Package scram makes the SCRAM-SHA-256 verifiers PostgreSQL stores for
// passwords, so rsdata sets a password with ALTER ROLE ... PASSWORD
// '<verifier>' and the password itself never appears in SQL text or in a
// server's log.
package scram

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// scramIterations is PostgreSQL's default for SCRAM-SHA-256 verifiers.
const scramIterations = 4096

// Verifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password, so a password can be set with ALTER ROLE ... PASSWORD '<verifier>'
// without the password itself ever appearing in SQL text or server logs.
func Verifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
