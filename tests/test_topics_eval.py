"""`khabar topics eval TOPIC LABELLED.jsonl`: precision, recall, F1 and every error with its reason, measured on
examples someone labelled, without touching the database; and `khabar topics variants`.

The examples are written for this test and labelled by what each story is about. Two of them are chosen so that the
shipped rule gets them wrong (a war-diplomacy story told without war words; the Chernobyl disaster of 1986), so the
figures below are worked out by hand: 3 of 4 positives found, 1 of 4 negatives fired on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.alerts.evaluation import MAX_LINE_BYTES, ExampleError, read_examples
from tests.conftest import run_khabar

EXAMPLES = [
    {"title": "रूस ने कीव पर 300 ड्रोन दागे", "text": "राजधानी में रात भर धमाके हुए।\nवायु रक्षा ने कई ड्रोन गिराए।",
     "label": True, "note": "extra keys are ignored"},
    {"text": "ज़ापोरिज़्ज़िया परमाणु संयंत्र के पास फिर गोलाबारी हुई। आईएईए ने चिंता जताई।", "label": True},
    {"title": "रूस और यूक्रेन के बीच युद्धबंदियों की अदला-बदली", "text": "दोनों ओर के 200 सैनिक घर लौटे।",
     "label": True},
    {"title": "ओवल ऑफिस में ट्रंप और ज़ेलेंस्की के बीच तीखी बहस", "text": "बैठक बीच में ही खत्म हो गई।", "label": True},
    {"title": "भारत ने रूस से रिकॉर्ड कच्चा तेल खरीदा", "text": "प्रतिबंधों के बावजूद रूसी तेल सस्ता मिल रहा है।",
     "label": False},
    {"text": "न्यूजीलैंड ने भारत को हराया। कीवी गेंदबाजों का हमला भारी पड़ा।", "label": False},
    {"title": "रूस से एस-400 की नई खेप भारत पहुंची", "text": "यह मिसाइल प्रणाली 2018 के सौदे का हिस्सा है।",
     "label": False},
    {"title": "चेर्नोबिल के 40 साल", "text": "1986 में चेर्नोबिल संयंत्र के रिएक्टर में भीषण विस्फोट से यूक्रेन में "
     "तबाही मची थी।", "label": False},
]


def write_examples(folder: Path, examples: list[dict] = EXAMPLES) -> Path:
    path = folder / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in examples) + "\n", encoding="utf-8")
    return path


def test_eval_reports_figures_and_every_error_without_touching_the_database(workdir: Path) -> None:
    labelled = write_examples(workdir)
    result = run_khabar(workdir, "topics", "eval", "russia-ukraine", str(labelled), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["true_positives"], report["false_positives"], report["false_negatives"],
            report["true_negatives"]) == (3, 1, 1, 3)
    assert report["precision"] == 0.75 and report["recall"] == 0.75 and report["f1"] == 0.75
    errors = {e["line"]: e for e in report["errors"]}
    assert sorted(errors) == [4, 8]
    missed, false_alarm = errors[4], errors[8]
    assert missed["label"] is True and missed["fired"] is False
    assert missed["reason"].startswith("(@ukraine, @front or @border), but no @war within 12 words")
    assert missed["text"] == EXAMPLES[3]["text"] and missed["title"] == EXAMPLES[3]["title"]
    assert false_alarm["label"] is False and false_alarm["fired"] is True
    assert false_alarm["reason"].startswith("fired on") and "विस्फोट" in false_alarm["reason"]
    assert {"यूक्रेन", "विस्फोट"} <= set(false_alarm["matched"]["words"])
    assert not (workdir / "khabar.db").exists()  # KHABAR_DB points there: never opened, never created

    table = run_khabar(workdir, "topics", "eval", "russia-ukraine", str(labelled))
    assert table.returncode == 0, table.stderr
    assert "precision 0.750   recall 0.750   F1 0.750" in table.stdout
    assert "false negative, line 4:" in table.stdout and "false positive, line 8:" in table.stdout
    assert not (workdir / "khabar.db").exists()


def test_eval_of_a_bad_file_is_one_clear_message(workdir: Path) -> None:
    bad = workdir / "bad.jsonl"
    bad.write_text('{"text": "रूस", "label": true}\nnot json\n{"text": "x", "label": "yes"}\n', encoding="utf-8")
    result = run_khabar(workdir, "topics", "eval", "russia-ukraine", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "2 bad line(s)" in result.stderr and "bad.jsonl:2: not JSON" in result.stderr
    assert 'bad.jsonl:3: "label" must be true or false, not "yes"' in result.stderr
    unknown = run_khabar(workdir, "topics", "eval", "no-such-topic", str(bad))
    assert unknown.returncode == 1 and "no topic named 'no-such-topic'" in unknown.stderr
    missing = run_khabar(workdir, "topics", "eval", "russia-ukraine", str(workdir / "nope.jsonl"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "has no examples"),
    (b"\n\n", "has no examples"),
    (b'["text", true]\n', "1: a line must be a JSON object"),
    (b'{"label": true}\n', '1: "text" must be the story\'s text'),
    (b'{"text": "  ", "label": false}\n', '1: "text" must be the story\'s text'),
    (b'{"text": "x", "label": null}\n', '1: "label" must be true or false, not null'),
    (b'{"text": "x", "label": true, "title": 5}\n', '1: "title" and "url" must be strings'),
    (b'{"text": "\xff", "label": true}\n', "1: not UTF-8 text"),
    (b'{"text": "x", "label": true}\n' * 7 + b"{\n" * 7, "... and 2 more"),
])
def test_bad_lines_are_named_with_their_numbers(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(ExampleError) as caught:
        read_examples(path)
    assert problem in str(caught.value)


def test_a_byte_order_mark_and_blank_lines_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "a", "label": true}\n\n{"text": "b", "label": false, "url": "/x/"}\n')
    examples = read_examples(path)
    assert [(e.line, e.text, e.label, e.url) for e in examples] == [(1, "a", True, ""), (3, "b", False, "/x/")]


def test_a_line_too_long_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"text": "' + b"a" * (MAX_LINE_BYTES + 10) + b'", "label": true}\n')
    with pytest.raises(ExampleError, match=r"x\.jsonl:1: longer than 1024 KB"):
        read_examples(path)


def test_variants_lists_the_generated_spellings(workdir: Path) -> None:
    result = run_khabar(workdir, "topics", "variants", "russia-ukraine", "--json")
    assert result.returncode == 0, result.stderr
    rows = {(r["list"], r["name"]): r for r in json.loads(result.stdout)}
    bakhmut = [s["spelling"] for s in rows[("front", "बखमुत")]["spellings"]]
    assert bakhmut[0] == "बखमुत" and {"बखमुट", "बाखमुत"} <= set(bakhmut)
    assert [s["spelling"] for s in rows[("russia", "रूस")]["spellings"]] == ["रूस"]  # a short name stays as it is
    table = run_khabar(workdir, "topics", "variants", "israel-hamas")
    assert table.returncode == 0 and "गाज़ा" in table.stdout
