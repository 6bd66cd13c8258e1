"""The clap engine on small hand-made command trees: doc comments, wrapping, suggestions, display
order, global args and the error texts not covered by the reference captures."""

from __future__ import annotations

import pytest

from codex.cli import clap
from codex.cli.clap import Arg, ArgGroup, ClapError, Command, doc_to_help, wrap


def test_doc_comment_rules():
    assert doc_to_help("Run Codex non-interactively.") == ("Run Codex non-interactively", None)
    assert doc_to_help("Keep the ellipsis...") == ("Keep the ellipsis...", None)
    assert doc_to_help("""
        First line
        continues here.

        Second
        paragraph.
    """) == ("First line continues here", "First line continues here.\n\nSecond paragraph.")


def test_wrap_is_greedy_on_ascii_spaces():
    assert wrap("foo bar baz", 5) == "foo\nbar\nbaz"
    assert wrap("foo bar baz", 7) == "foo bar\nbaz"
    assert wrap("a\n\nb", 10) == "a\n\nb"
    assert wrap("word-with-hyphens is-kept", 10) == "word-with-hyphens\nis-kept"


def test_did_you_mean_uses_jaro_above_0_7():
    assert clap.did_you_mean("tst", ["test", "possible", "values"]) == ["test"]
    assert clap.did_you_mean("te", ["test", "temp", "possible", "values"]) == ["test", "temp"]
    assert clap.did_you_mean("hahaahahah", ["test", "possible", "values"]) == []
    assert round(clap.jaro("martha", "marhta"), 4) == 0.9444


def _tree():
    return Command(
        "tool",
        doc="A tool.",
        version="1.0",
        args=[
            Arg("config", "Set a value.", short="c", long="config", value_name="KV", multiple=True,
                global_=True),
            Arg("input", "The input.", value_name="INPUT"),
            Arg("level", "Level.", long="level", value_name="N", value_parser=clap.IntParser(0, 9)),
            Arg("mode", "Mode.", long="mode", value_name="MODE", possible_values=["fast", "slow"]),
            Arg("pair", "Two values.", long="pair", value_names=["A", "B"]),
            Arg("eq", "Needs =.", long="eq", value_name="V", require_equals=True),
        ],
        subcommands=[
            Command("run", doc="Run it.", args=[Arg("x", "X.", long="x", flag=True)]),
            Command("walk", doc="Walk.", aliases=[("w", True), "stroll"]),
        ],
    )


def _err(argv) -> ClapError:
    with pytest.raises(ClapError) as info:
        clap.parse(_tree(), argv)
    return info.value


def test_help_layout_and_display_order():
    text = clap.render_help(_tree(), False)
    assert text == (
        "A tool\n\n"
        "Usage: tool [OPTIONS] [INPUT] [COMMAND]\n\n"
        "Commands:\n"
        "  run   Run it\n"
        "  walk  Walk [aliases: w]\n"
        "  help  Print this message or the help of the given subcommand(s)\n\n"
        "Arguments:\n"
        "  [INPUT]  The input\n\n"
        "Options:\n"
        "  -c, --config <KV>   Set a value\n"
        "      --level <N>     Level\n"
        "      --mode <MODE>   Mode [possible values: fast, slow]\n"
        "      --pair <A> <B>  Two values\n"
        "      --eq=<V>        Needs =\n"
        "  -h, --help          Print help\n"
        "  -V, --version       Print version\n"
    )


def test_global_args_reach_subcommands_with_their_display_order():
    root = _tree().build()
    run = root.find_subcommand("run").build()
    assert [a.id for a in run.args] == ["x", "config", "help"]
    m = clap.parse(_tree(), ["run", "-c", "a=1", "--x"])
    assert m.values()["config"] == ["a=1"]
    assert m.leaf().values() == {"x": True, "config": ["a=1"]}


def test_value_parser_errors():
    assert _err(["--level", "x"]).render() == (
        "error: invalid value 'x' for '--level <N>': invalid digit found in string\n\n"
        "For more information, try '--help'.\n")
    assert _err(["--level", "10"]).render().startswith(
        "error: invalid value '10' for '--level <N>': 10 is not in 0..=9\n")
    assert _err(["--mode", "fst"]).render() == (
        "error: invalid value 'fst' for '--mode <MODE>'\n"
        "  [possible values: fast, slow]\n\n"
        "  tip: a similar value exists: 'fast'\n\n"
        "For more information, try '--help'.\n")


def test_equals_required():
    assert _err(["--eq", "v"]).render() == (
        "error: equal sign is needed when assigning values to '--eq=<V>'\n\n"
        "Usage: tool [OPTIONS] [INPUT] [COMMAND]\n\n"
        "For more information, try '--help'.\n")
    assert clap.parse(_tree(), ["--eq=v"]).values()["eq"] == "v"


def test_multiple_value_names():
    assert clap.parse(_tree(), ["--pair", "1", "2"]).raw_values("pair") == ["1", "2"]
    assert _err(["--pair", "1"]).render() == (
        "error: 2 values required for '--pair <A> <B>' but 1 was provided\n\n"
        "Usage: tool [OPTIONS] [INPUT] [COMMAND]\n\n"
        "For more information, try '--help'.\n")


def test_unrecognized_subcommand_suggestion_uses_aliases():
    tree = Command("tool", subcommands=[Command("walk", aliases=["stroll"])])
    with pytest.raises(ClapError) as info:
        clap.parse(tree, ["strol"])
    assert info.value.render() == (
        "error: unrecognized subcommand 'strol'\n\n"
        "  tip: a similar subcommand exists: 'stroll'\n\n"
        "Usage: tool [COMMAND]\n\n"
        "For more information, try '--help'.\n")


def test_help_flag_and_version_exit_zero():
    err = _err(["-h"])
    assert (err.exit_code, err.use_stderr) == (0, False)
    err = _err(["--version"])
    assert err.render() == "tool 1.0\n" and err.exit_code == 0


def test_required_group_and_conflicts():
    tree = Command(
        "t",
        groups=[ArgGroup("src", ["file", "url"], required=True)],
        args=[
            Arg("file", "F.", value_name="FILE"),
            Arg("url", "U.", long="url", value_name="URL"),
            Arg("quiet", "Q.", long="quiet", flag=True, conflicts_with=("verbose",)),
            Arg("verbose", "V.", long="verbose", flag=True),
        ],
    )
    with pytest.raises(ClapError) as info:
        clap.parse(tree, [])
    assert info.value.render() == (
        "error: the following required arguments were not provided:\n"
        "  <FILE|--url <URL>>\n\n"
        "Usage: t <FILE|--url <URL>>\n\n"
        "For more information, try '--help'.\n")
    with pytest.raises(ClapError) as info:
        clap.parse(tree, ["f", "--quiet", "--verbose"])
    assert info.value.render().startswith(
        "error: the argument '--quiet' cannot be used with '--verbose'\n")
