// GetStatementResult and GetStatementResultV2: result pages in JSON and CSV.

package redshiftdata

import (
	"context"
	"encoding/json"
	"io"
	"strconv"

	"github.com/rsdata/rsdata/internal/records"
	"github.com/rsdata/rsdata/internal/results"
	"github.com/rsdata/rsdata/internal/statement"
)

// resultPage is a result reply written around pre-encoded records, so
// serving a page never re-encodes its rows.
type resultPage struct {
	csv       bool
	records   []byte
	columns   []byte
	total     int64
	nextToken string
	built     *[3][]byte // parts, once built
}

// parts returns the reply in the order it is written: its opening, its
// records (escaped into one string for CSV) and its closing members.
func (p *resultPage) parts() [3][]byte {
	if p.built != nil {
		return *p.built
	}
	head := `{"Records":[`
	body := p.records
	if p.csv {
		body = nil
		if len(p.records) > 0 {
			head += `{"CSVRecords":"`
			body = append(records.AppendJSONString(make([]byte, 0, len(p.records)+len(p.records)/8+2), p.records), `"}`...)
		}
	}
	tail := make([]byte, 0, len(p.columns)+128)
	tail = append(tail, `],"ColumnMetadata":`...)
	tail = append(tail, p.columns...)
	tail = append(tail, `,"TotalNumRows":`...)
	tail = strconv.AppendInt(tail, p.total, 10)
	if p.csv {
		tail = append(tail, `,"ResultFormat":"CSV"`...)
	}
	if p.nextToken != "" {
		tail = append(tail, `,"NextToken":`...)
		tail = strconv.AppendQuote(tail, p.nextToken)
	}
	tail = append(tail, '}')
	p.built = &[3][]byte{[]byte(head), body, tail}
	return *p.built
}

// ContentLength implements awsjson.RawWriter.
func (p *resultPage) ContentLength() int {
	n := 0
	for _, b := range p.parts() {
		n += len(b)
	}
	return n
}

// WriteJSON implements awsjson.RawWriter.
func (p *resultPage) WriteJSON(w io.Writer) error {
	for _, b := range p.parts() {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func columnMetadata(cols []results.Column) []ColumnMetadata {
	out := make([]ColumnMetadata, len(cols))
	for i, c := range cols {
		out[i] = ColumnMetadata{
			IsCaseSensitive: c.IsCaseSensitive, IsCurrency: c.IsCurrency, IsSigned: c.IsSigned,
			Label: c.Label, Name: c.Name, Nullable: c.Nullable, Precision: c.Precision, Scale: c.Scale,
			SchemaName: c.SchemaName, TableName: c.TableName, TypeName: c.TypeName, Length: c.Length,
			ColumnDefault: c.ColumnDefault,
		}
	}
	return out
}

func (s *Service) result(ctx context.Context, in *GetStatementResultInput, format statement.Format) (*resultPage, error) {
	if err := checkID(in.Id); err != nil {
		return nil, err
	}
	wait, err := waitTime(in.WaitTimeSeconds)
	if err != nil {
		return nil, err
	}
	// GetStatementResultV2 is authorized by the same action.
	if err := s.authorizeOn(ctx, "redshift-data:GetStatementResult", *in.Id); err != nil {
		return nil, err
	}
	if wait > 0 {
		if _, err := s.waitAndGet(ctx, *in.Id, wait); err != nil {
			return nil, err
		}
	}
	page, err := s.engine.Result(ctx, *in.Id, s.viewer(ctx), format, str(in.NextToken))
	if err != nil {
		return nil, err
	}
	cols, err := json.Marshal(columnMetadata(page.Statement.Columns))
	if err != nil {
		return nil, err
	}
	return &resultPage{csv: format == statement.FormatCSV, records: page.Records, columns: cols,
		total: page.Statement.ResultRows, nextToken: page.NextToken}, nil
}

// GetStatementResult returns one page of a JSON-format result.
func (s *Service) GetStatementResult(ctx context.Context, in *GetStatementResultInput) (*resultPage, error) {
	return s.result(ctx, in, statement.FormatJSON)
}

// GetStatementResultV2 returns one page (at most 1 MB) of a CSV result.
func (s *Service) GetStatementResultV2(ctx context.Context, in *GetStatementResultInput) (*resultPage, error) {
	return s.result(ctx, in, statement.FormatCSV)
}
