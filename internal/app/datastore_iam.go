package app

import "github.com/rsdata/rsdata/internal/datastore"

// datastoreIAM is the credential issuer of IAM_ROLE datastores.
func (a *App) datastoreIAM() datastore.CredentialIssuer { return nil }
