package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
)

// Value is the database credentials a Redshift secret holds, in the JSON
// structure Secrets Manager documents for Redshift:
// {"engine":"redshift","host":...,"username":...,"password":...,
// "dbname":...,"port":"5439","dbClusterIdentifier":...}. Serverless
// secrets hold only username and password. Absent fields are "".
type Value struct {
	Username            string
	Password            string
	DbClusterIdentifier string
	Engine              string
	Host                string
	Port                string // as written, whether a JSON string or number
	DbName              string
}

// ValueForDataAPI reads the AWSCURRENT value of the secret named by
// nameOrARN (a name, full ARN or partial ARN) for the Data API, and returns
// it with the secret's tags (for secretsmanager:ResourceTag/<key>
// conditions) and full ARN. Errors: ErrNotFound, ErrMarkedForDeletion, and
// ErrNotCredentials for a binary value or one that is not a JSON object.
// It records the access like GetSecretValue.
func (s *Service) ValueForDataAPI(ctx context.Context, nameOrARN string) (*Value, map[string]string, string, error) {
	sec, v, plain, err := s.read(ctx, &GetSecretValueRequest{SecretID: nameOrARN})
	if err != nil {
		return nil, nil, "", err
	}
	if v.Binary {
		return nil, nil, "", ErrNotCredentials
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return nil, nil, "", ErrNotCredentials
	}
	text := func(k string) string {
		raw, ok := fields[k]
		if !ok {
			return ""
		}
		var str string
		if json.Unmarshal(raw, &str) == nil {
			return str
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			if _, err := strconv.ParseFloat(n.String(), 64); err == nil {
				return n.String()
			}
		}
		return ""
	}
	val := &Value{
		Username: text("username"), Password: text("password"), DbClusterIdentifier: text("dbClusterIdentifier"),
		Engine: text("engine"), Host: text("host"), Port: text("port"), DbName: text("dbname"),
	}
	return val, sec.TagMap(), sec.ARN, nil
}
