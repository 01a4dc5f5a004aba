"""The HTML report's one inline style sheet: no url(), no font or image to fetch (the
page's Content-Security-Policy allows this exact text, by its hash, and nothing else)."""

STYLE = """
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #59636e;
  --line: #d1d9e0; --code: #f6f8fa; --bad: #b3261e; --warn: #8a5a00; --ok: #1a7f37; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
    --code: #161b22; --bad: #ff7b72; --warn: #e3b341; --ok: #3fb950; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
h1 { margin: 0 0 .5rem; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); }
h3 { margin: 1.2rem 0 .4rem; font-size: 1rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .9em; }
pre { background: var(--code); padding: .4rem .6rem; margin: .3rem 0;
  white-space: pre-wrap; overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
.verdict { font-weight: 600; font-size: 1.1rem; padding: .6rem .8rem;
  border-left: .4rem solid; }
.verdict.clean { border-color: var(--ok); } .verdict.found { border-color: var(--bad); }
.verdict.incomplete { border-color: var(--warn); color: var(--warn); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { white-space: nowrap; } td.num { text-align: right; }
.status { font-weight: 600; } .status.live { color: var(--bad); }
.status.unknown, .status.not_checked { color: var(--warn); } .status.rejected { color: var(--ok); }
li.incomplete { color: var(--warn); }
ul.places li { margin-bottom: .3rem; } ol.steps li { margin-bottom: .5rem; }
.finding { border-top: 2px solid var(--line); margin-top: 2rem; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  h2, h3 { break-after: avoid; }
  tr, pre, li { break-inside: avoid; } }
"""
