import pytest

from receiver.sqltext import SqlSyntaxError, parameter_names, split_statements, to_pyformat


def test_splits_on_semicolons_outside_literals_and_comments():
    sql = """
    -- a comment; with a semicolon
    CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int);
    /* block; /* nested; */ still comment */
    INSERT INTO t VALUES ('it''s; fine', 1);
    CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
    BEGIN RETURN 1; END;
    $body$;
    SELECT E'back\\'slash;', $$dollar;$$;
    """
    statements = split_statements(sql)
    assert len(statements) == 4
    assert statements[0].startswith("-- a comment")
    assert statements[0].endswith("""CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int)""")
    assert statements[1].startswith("/* block")
    assert statements[1].endswith("VALUES ('it''s; fine', 1)")
    assert "BEGIN RETURN 1; END;" in statements[2]
    assert statements[3] == "SELECT E'back\\'slash;', $$dollar;$$"


def test_comment_only_pieces_are_dropped():
    assert split_statements("-- nothing\n;\n/* nothing */;  ;") == []
    assert split_statements("SELECT 1") == ["SELECT 1"]


@pytest.mark.parametrize(
    "sql",
    ["SELECT 'open", 'SELECT "open', "SELECT $x$ open", "SELECT 1 /* open"],
)
def test_unterminated_text_is_an_error(sql):
    with pytest.raises(SqlSyntaxError, match="unterminated"):
        split_statements(sql)


def test_parameters_skip_casts_literals_and_comments():
    sql = "SELECT :a::jsonb, ':not', \"x:y\", :b -- :c\n, :a, now()::date /* :d */"
    assert parameter_names(sql) == ["a", "b"]
    assert to_pyformat(sql) == (
        "SELECT %(a)s::jsonb, ':not', \"x:y\", %(b)s -- :c\n, %(a)s, now()::date /* :d */"
    )


def test_percent_signs_are_escaped_for_psycopg():
    assert to_pyformat("SELECT 'a%b' LIKE :p, 5 % 2") == "SELECT 'a%%b' LIKE %(p)s, 5 %% 2"
