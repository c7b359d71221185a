// Runs a script of statements through the PostgreSQL JDBC driver (pgjdbc,
// which the Redshift JDBC driver is a fork of) and prints one JSON line per
// step; cmd/rsdata/drivers_test.go writes the script and reads the lines.
//
// Usage: java -cp postgresql.jar Prog.java <jdbc-url> < script
// The login comes from RSDATA_DB_USER and RSDATA_DB_PASSWORD.
//
// A script line is tab-separated: op, name, sql, parameters; in each field
// \\, \t and \n stand for a backslash, a tab and a line break. A
// parameter is i:<integer>, s:<string> or n: (a NULL string). Ops: exec
// runs the statement as a PreparedStatement; stream does too with the
// fetch size of its first parameter, in a transaction, printing the row
// count and the last row; begin, commit and rollback switch autocommit off
// and end the transaction; columns lists, with DatabaseMetaData.getColumns
// (pgjdbc's own catalog query), the columns of the table named by sql in
// the schema public.
//
// An output line: {"name", "columns", "rows", "count", "state", "error"};
// values are ResultSet.getString's, null for NULL; state and error are the
// server's SQLSTATE and message when the step failed. The first line is
// the connection's, named "connect".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class Prog {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", System.getenv("RSDATA_DB_USER"));
        props.setProperty("password", System.getenv("RSDATA_DB_PASSWORD"));
        Connection c;
        try {
            c = DriverManager.getConnection(args[0], props);
        } catch (SQLException e) {
            System.out.println(failure("connect", e));
            return;
        }
        System.out.println(result("connect", null, null, 0));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            for (int i = 0; i < f.length; i++) {
                f[i] = unescape(f[i]);
            }
            System.out.println(step(c, f));
        }
        c.close();
    }

    static String step(Connection c, String[] f) {
        String op = f[0], name = f[1], sql = f[2];
        try {
            switch (op) {
                case "begin":
                    c.setAutoCommit(false);
                    return result(name, null, null, 0);
                case "commit":
                    c.commit();
                    c.setAutoCommit(true);
                    return result(name, null, null, 0);
                case "rollback":
                    c.rollback();
                    c.setAutoCommit(true);
                    return result(name, null, null, 0);
                case "columns":
                    return columns(c, name, sql);
                case "stream":
                    return stream(c, name, sql, Integer.parseInt(f[3].substring(2)));
                default:
                    return exec(c, name, sql, f);
            }
        } catch (SQLException e) {
            return failure(name, e);
        }
    }

    static String exec(Connection c, String name, String sql, String[] f) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 3; i < f.length; i++) {
                String p = f[i], v = p.substring(2);
                switch (p.charAt(0)) {
                    case 'i': ps.setLong(i - 2, Long.parseLong(v)); break;
                    case 'n': ps.setNull(i - 2, Types.VARCHAR); break;
                    default: ps.setString(i - 2, v);
                }
            }
            if (!ps.execute()) {
                return result(name, null, null, ps.getUpdateCount());
            }
            try (ResultSet rs = ps.getResultSet()) {
                ResultSetMetaData md = rs.getMetaData();
                List<String> cols = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    cols.add(md.getColumnLabel(i));
                }
                List<List<String>> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(row(rs, cols.size()));
                }
                return result(name, cols, rows, rows.size());
            }
        }
    }

    static String columns(Connection c, String name, String table) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getColumns(null, "public", table, null)) {
            while (rs.next()) {
                rows.add(List.of(rs.getString("COLUMN_NAME")));
            }
        }
        return result(name, null, rows, rows.size());
    }

    // stream reads a result fetchSize rows at a time: pgjdbc does so only
    // outside autocommit, through a portal it executes repeatedly.
    static String stream(Connection c, String name, String sql, int fetchSize) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setFetchSize(fetchSize);
            int n = 0;
            List<String> last = null;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    n++;
                    last = row(rs, rs.getMetaData().getColumnCount());
                }
            }
            c.commit();
            List<List<String>> rows = new ArrayList<>();
            if (last != null) {
                rows.add(last);
            }
            return result(name, null, rows, n);
        } finally {
            c.setAutoCommit(auto);
        }
    }

    static List<String> row(ResultSet rs, int n) throws SQLException {
        List<String> r = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            r.add(rs.getString(i));
        }
        return r;
    }

    static String failure(String name, SQLException e) {
        String msg = e.getMessage();
        if (e instanceof org.postgresql.util.PSQLException) {
            org.postgresql.util.ServerErrorMessage m = ((org.postgresql.util.PSQLException) e).getServerErrorMessage();
            if (m != null) {
                msg = m.getMessage();
            }
        }
        return "{\"name\":" + quote(name) + ",\"state\":" + quote(e.getSQLState()) + ",\"error\":" + quote(msg) + "}";
    }

    static String result(String name, List<String> cols, List<List<String>> rows, long count) {
        StringBuilder b = new StringBuilder("{\"name\":").append(quote(name)).append(",\"count\":").append(count);
        if (cols != null) {
            b.append(",\"columns\":").append(list(cols));
        }
        if (rows != null) {
            b.append(",\"rows\":[");
            for (int i = 0; i < rows.size(); i++) {
                b.append(i > 0 ? "," : "").append(list(rows.get(i)));
            }
            b.append("]");
        }
        return b.append("}").toString();
    }

    static String list(List<String> vs) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < vs.size(); i++) {
            b.append(i > 0 ? "," : "").append(quote(vs.get(i)));
        }
        return b.append("]").toString();
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 't' ? '\t' : n == 'n' ? '\n' : n);
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
