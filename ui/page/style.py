"""The page's stylesheet: the look of the fragments that `ui.page.html` builds.

Our own text only, added once per run by `ui.page.main`; no document text ever goes in here.
"""

CSS = """
<style>
.block-container {padding-top: 4rem; max-width: 1440px;}
.stAppDeployButton {display: none;}
.app-title {font-size: 1.65rem; font-weight: 700; line-height: 1.2; margin: 0;}
.app-sub {color: #5f6b7a; margin: .2rem 0 0 0; font-size: .95rem;}
.rec-top {display: flex; align-items: baseline; gap: .6rem;}
.rec-rank {flex: none; width: 1.7rem; height: 1.7rem; border-radius: 50%; background: #1f4e79;
  color: #fff; font-weight: 700; font-size: .9rem; display: inline-flex; align-items: center;
  justify-content: center; transform: translateY(-.1rem);}
.rec-title {font-size: 1.2rem; font-weight: 650; line-height: 1.35;}
.badges {display: flex; flex-wrap: wrap; gap: .35rem; margin: .45rem 0 .55rem 0;}
.badge {font-size: .75rem; font-weight: 600; padding: .12rem .55rem; border-radius: 1rem;
  background: #eef1f5; color: #3d4a5c; white-space: nowrap;}
.badge.kind-framework {background: #e3ecfb; color: #1d4ed8;}
.badge.kind-principle {background: #e6f4ea; color: #1e7b3a;}
.badge.kind-practice {background: #e7f6f6; color: #0f766e;}
.badge.kind-risk {background: #fdecea; color: #b42318;}
.badge.kind-case {background: #f3e8fd; color: #7e22ce;}
.badge.kind-term {background: #f1f1f1; color: #555;}
.badge.level-fundamentals {background: #fff7e0; color: #8a5a00;}
.badge.level-intermediate {background: #fff0e0; color: #a14b00;}
.badge.level-advanced {background: #fde8e8; color: #9b1c1c;}
.badge.doc {background: transparent; border: 1px solid #d8dee6; color: inherit; opacity: .85;
  font-weight: 500;}
.guidance {font-size: 1rem; line-height: 1.55; margin: 0 0 .45rem 0;}
.why {font-size: .85rem; color: #5f6b7a; margin: 0;}
.why b {color: #3d4a5c;}
.passage {white-space: pre-wrap; line-height: 1.55; font-size: .93rem; margin: 0;}
mark {background: #fff1a8; color: #1f2328; padding: 0 .1rem; border-radius: .15rem;}
.notice-title {font-size: 1.1rem; font-weight: 650; margin: 0 0 .35rem 0;}
.notice p, .notice li {line-height: 1.55; margin: .2rem 0;}
.detail-title {font-size: 1.3rem; font-weight: 650; margin: 0;}
.detail h4 {font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #5f6b7a;
  margin: .9rem 0 .3rem 0;}
.detail p, .detail li {line-height: 1.55; margin: .15rem 0;}
.detail table {border-collapse: collapse; font-size: .9rem;}
.detail td {border-top: 1px solid #e5e9ef; padding: .3rem .5rem .3rem 0; vertical-align: top;}
.detail td:first-child {color: #5f6b7a; white-space: nowrap;}
.st-key-ask-keys {display: none;}
.st-key-situation [data-testid="InputInstructions"] {display: none;}
.copy-link {display: flex; align-items: center; gap: .6rem;}
.copy-link-btn {border: none; background: transparent; color: inherit; font: inherit;
  font-size: .9rem; padding: .25rem .1rem; cursor: pointer; display: inline-flex;
  align-items: center; gap: .35rem;}
.copy-link-btn:hover {color: #1f4e79; text-decoration: underline;}
.copy-link-note {color: #5f6b7a; font-size: .85rem;}
.summary {color: #5f6b7a; font-size: .9rem; margin: .2rem 0 .4rem 0;}
.start-here .start-title {font-size: 1.05rem; font-weight: 650; margin: 0 0 .4rem 0;
  display: flex; align-items: center; gap: .5rem;}
.start-text {font-size: 1.02rem; line-height: 1.6; margin: 0;}
a.cite {text-decoration: none; font-weight: 600; font-size: .85rem; color: #1f4e79;}
a.cite:hover {text-decoration: underline;}
.badge.match-strong {background: #e6f4ea; color: #1e7b3a;}
.badge.match-partial {background: #fff7e0; color: #8a5a00;}
.example {font-size: .92rem; line-height: 1.5; color: #3d4a5c; margin: 0 0 .45rem 0;
  padding-left: .6rem; border-left: 3px solid #d8dee6;}
table.fields {border-collapse: collapse; font-size: .9rem; margin: 0 0 .5rem 0;}
table.fields td {border-top: 1px solid #e5e9ef; padding: .3rem .6rem .3rem 0; vertical-align: top;}
table.fields td:first-child {color: #5f6b7a; white-space: nowrap;}
</style>
"""
