"""Article bodies: Markdown to safe HTML; the plain-paragraph fast path agrees with Markdown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import markup

# characters of Chinese news text, with the ASCII that Markdown cares about
ALPHABET = st.sampled_from(list("大足区新闻页岩气，。、“”：；（）《》%/—0123456789abcLNG ()-.+!*_[]<>&#\\`|=~{}\n\t"))


@settings(max_examples=400)
@given(st.text(ALPHABET, max_size=80))
def test_fast_path_gives_what_markdown_gives(text: str) -> None:
    md = markup.converter()
    md.reset()
    assert markup.to_html(text) == md.convert(text)


def test_fast_path_is_taken_for_plain_news_text() -> None:
    text = "12月9日,大足区南山公园,市民正在彩林中散步。\n\n目前,彩林已进入最佳观赏期。\n"
    assert not markup._MARKUP_CHARS.search(text) and not markup._BLOCK_START.search(text)
    expected = "<p>12月9日,大足区南山公园,市民正在彩林中散步。</p>\n<p>目前,彩林已进入最佳观赏期。</p>"
    assert markup.to_html(text) == expected


def test_markup_still_works_and_is_safe() -> None:
    html = markup.to_html("**重要**\n\n- 一\n- 二\n\n<script>x</script> [链接](javascript:alert(1))")
    assert "<strong>重要</strong>" in html and "<li>一</li>" in html
    assert "<script>" not in html and "javascript:" not in html
    assert markup.to_text(html).splitlines()[0] == "重要"
