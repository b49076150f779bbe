/** What the server tells the page about itself, embedded in the HTML. */
export interface PageConfig {
  dryRun: boolean
  /** The Woopra project `/v1` events go to; null when the server has none (it then refuses `/v1` events). */
  project: string | null
  writeKey: string
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

export function pageHtml(config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Woopra (Actions) · browser playground</title>
<style>${STYLE}</style>
<script id="page-config" type="application/json">${scriptJson(config)}</script>
</head>
<body>
<header>
  <div class="title">
    <h1>Woopra (Actions) <span>browser playground</span></h1>
    <p>Events fired here go through <code>@segment/analytics-next</code> with <b>Woopra Web (Actions)</b> and the
      <b>Woopra cookie plugin</b>, then to this server's <code>/v1</code> and the cloud destination.</p>
  </div>
  <div class="status">
    <span class="pill" id="status-server">server: …</span>
    <label class="pill">tracker
      <select id="tracker-source">
        <option value="standin">local stand-in for w.js (offline)</option>
        <option value="real">Woopra's real w.js (needs the internet)</option>
      </select>
    </label>
    <label class="pill">set-up
      <select id="setup">
        <option value="both">both destinations, all presets (tracker sends, cloud skips)</option>
        <option value="split">tracker for page views, cloud for identify and track</option>
        <option value="cloud">cloud only, with the cookie plugin</option>
      </select>
    </label>
    <span class="pill" id="status-tracker">tracker: loading…</span>
    <span class="pill" id="status-cookie">wooTracker: —</span>
  </div>
</header>
<main>
  <section class="composer">
    <h2>Fire an event</h2>
    ${composer('page', 'analytics.page(category, name, properties, options)')}
    ${composer('identify', 'analytics.identify(userId, traits, options)')}
    ${composer('track', 'analytics.track(event, properties, options)')}
    <p class="hint">Edit the JSON, then send. The cloud column needs the server in dry run
      (<code>WOOPRA_DRY_RUN=1 WOOPRA_PROJECT=example.com npm start</code>).</p>
  </section>
  <section class="timeline">
    <div class="columns legend">
      <h2>Browser tracker was asked</h2>
      <h2>Event sent to <code>/v1</code></h2>
      <h2>Woopra request built by the cloud destination</h2>
    </div>
    <div id="events"></div>
  </section>
</main>
<script src="/page/app.js"></script>
</body>
</html>
`
}

function composer(kind: string, signature: string): string {
  return `<form class="event-form" id="form-${kind}">
      <div class="row"><h3>${kind}</h3><code class="signature">${signature}</code>
        <button type="submit" id="send-${kind}">Send ${kind}</button></div>
      <textarea id="json-${kind}" spellcheck="false" rows="7" aria-label="${kind} event JSON"></textarea>
      <label class="options-label" for="options-${kind}">options (<code>integrations</code>, <code>context</code>, …)</label>
      <textarea id="options-${kind}" spellcheck="false" rows="2" aria-label="${kind} options JSON">{}</textarea>
      <p class="error" id="error-${kind}" role="alert"></p>
    </form>`
}

const STYLE = `
:root { --ink: #1d2433; --muted: #5f6b7a; --line: #dde2ea; --bg: #f4f6f9; --card: #fff; --accent: #5a3fd1;
  --ok: #137a3a; --warn: #a15c00; --bad: #b3261e; --mark: #fff3b0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--bg); }
code, textarea, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12px; }
header { display: flex; flex-wrap: wrap; gap: 12px 32px; align-items: center; justify-content: space-between;
  padding: 16px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 20px; } h1 span { color: var(--accent); font-weight: 500; }
header p { margin: 4px 0 0; color: var(--muted); max-width: 720px; }
.status { display: flex; flex-wrap: wrap; gap: 8px; }
.pill { display: inline-flex; align-items: center; gap: 6px; padding: 4px 10px; border: 1px solid var(--line);
  border-radius: 999px; background: var(--bg); white-space: nowrap; }
.pill.ok { border-color: #9fd3b1; background: #eaf7ee; } .pill.warn { border-color: #f0c987; background: #fff6e5; }
.pill.bad { border-color: #f0aaa5; background: #fdeceb; }
select { font: inherit; border: 0; background: transparent; color: var(--accent); }
main { display: grid; grid-template-columns: minmax(320px, 400px) 1fr; gap: 20px; padding: 20px 24px; }
h2 { margin: 0 0 10px; font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h2 code { text-transform: none; }
.event-form { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px;
  margin-bottom: 12px; }
.row { display: flex; align-items: center; gap: 8px; margin-bottom: 8px; }
.row h3 { margin: 0; font-size: 15px; } .signature { color: var(--muted); flex: 1; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
button { font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 6px;
  padding: 6px 12px; cursor: pointer; } button:disabled { opacity: .5; cursor: default; }
textarea { width: 100%; resize: vertical; border: 1px solid var(--line); border-radius: 6px; padding: 8px;
  background: #fbfcfd; color: var(--ink); }
.error { color: var(--bad); margin: 4px 0 0; min-height: 0; } .error:empty { display: none; }
.hint { color: var(--muted); font-size: 12px; }
.options-label { display: block; margin: 6px 0 2px; color: var(--muted); font-size: 12px; }
.columns { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; }
.legend { position: sticky; top: 0; background: var(--bg); padding-bottom: 2px; z-index: 1; }
.event { background: var(--card); border: 1px solid var(--line); border-radius: 10px; margin-bottom: 14px;
  overflow: hidden; }
.event > .head { display: flex; gap: 10px; align-items: baseline; padding: 8px 12px; border-bottom: 1px solid
  var(--line); background: #fafbfc; }
.event > .head b { font-size: 14px; } .event > .head .meta { color: var(--muted); font-size: 12px; margin-left: auto; }
.kind { font: 600 11px/1 system-ui, sans-serif; text-transform: uppercase; padding: 3px 6px; border-radius: 4px;
  color: #fff; background: var(--accent); } .kind.load { background: var(--muted); }
.event .columns { padding: 10px 12px; }
.cell { min-width: 0; } .cell .empty { color: var(--muted); font-style: italic; }
.call { margin: 0 0 6px; padding: 6px 8px; background: #f6f4ff; border-radius: 6px; white-space: pre-wrap;
  word-break: break-word; } .call .queued { color: var(--warn); font-size: 11px; }
pre { margin: 0; padding: 6px 8px; background: #f7f8fa; border-radius: 6px; white-space: pre-wrap;
  word-break: break-word; max-height: 260px; overflow: auto; }
.event[data-kind="load"] .cell { grid-column: 1 / -1; } .note { margin: 0 0 6px; color: var(--muted); }
pre.calls { max-height: 160px; }
.endpoint.small { font-size: 12px; color: var(--muted); margin: 8px 0 2px; }
.request { margin-bottom: 8px; } .request .endpoint { font-weight: 600; margin-bottom: 4px; word-break: break-all; }
table.params { width: 100%; border-collapse: collapse; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
table.params td { border-top: 1px solid var(--line); padding: 2px 4px; vertical-align: top; word-break: break-all; }
table.params td:first-child { color: var(--muted); width: 34%; }
mark { background: var(--mark); padding: 0 2px; border-radius: 3px; }
.outcome { font-size: 12px; margin-top: 4px; } .outcome.ok { color: var(--ok); } .outcome.bad { color: var(--bad); }
@media (max-width: 1100px) { main { grid-template-columns: 1fr; } }
`
