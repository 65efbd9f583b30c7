/// The alerts list, an alert's page and the login form.
extension ConsoleTemplates {
    static let alerts = """
        <h1>Alerts</h1>
        <ul class="counts" aria-label="Alerts by state">{{#counts}}<li><strong>{{count}}</strong> {{label}}</li>{{/counts}}</ul>
        <form class="filters" method="get" action="/">
        <fieldset><legend>Show</legend>{{#states}}<label class="check"><input type="checkbox" name="{{name}}" value="1"{{#checked}} checked{{/checked}}> {{name}}</label>{{/states}}</fieldset>
        <label>Matchers <input name="filter" value="{{filter}}" placeholder='alertname="X" image=~"shop.*"' size="28"></label>
        {{#selects}}<label>{{label}} <select name="{{name}}"><option value="">any</option>{{#options}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/options}}</select></label>{{/selects}}
        <button type="submit">Filter</button> <a href="/">Reset</a></form>
        {{#error}}<p class="flash error" role="alert">{{error}}</p>{{/error}}
        <p class="note">{{shown}} alert(s) in {{groupCount}} group(s), grouped by route and group labels as notifications go out.{{#truncated}} Showing the first {{limit}}.{{/truncated}}</p>
        {{#groups}}<section class="group"><h2>{{receiver}} <span class="mono">{{key}}</span></h2><div class="scroll"><table>
        <thead><tr><th>Severity</th><th>Alert</th><th>State</th><th class="num">Age</th><th class="num">Reports</th><th>Sources</th><th class="hide-narrow">Subject</th></tr></thead><tbody>
        {{#rows}}<tr data-fingerprint="{{fingerprint}}"><td>{{#severity}}{{> severity}}{{/severity}}</td><td><a href="/alerts/{{fingerprint}}">{{name}}</a></td>
        <td><span class="status">{{status}}</span>{{#muted}}<br><span class="muted">{{muted}}</span>{{/muted}}</td>
        <td class="num" title="since {{firstSeen}}">{{age}}</td><td class="num">{{occurrences}}</td><td>{{sources}}</td><td class="hide-narrow mono">{{subject}}</td></tr>{{/rows}}
        </tbody></table></div></section>{{/groups}}
        {{^groups}}<p>No alerts match.</p>{{/groups}}
        """

    static let alert = """
        <p><a href="/">← Alerts</a></p>
        <h1>{{name}} {{#severity}}{{> severity}}{{/severity}} <span class="status">{{status}}</span></h1>
        <dl class="facts"><dt>Fingerprint</dt><dd class="mono">{{fingerprint}}</dd>
        <dt>Severity</dt><dd>{{#severity}}{{name}} (score {{score}}){{/severity}} — {{severityOrigin}}</dd>
        <dt>Sources</dt><dd>{{sources}}</dd><dt>First seen</dt><dd>{{firstSeen}} ({{age}} ago)</dd><dt>Last seen</dt><dd>{{lastSeen}}</dd>
        <dt>Reports</dt><dd>{{occurrences}} (regressions: {{regressions}})</dd>
        {{#acknowledgedAt}}<dt>Acknowledged</dt><dd>{{acknowledgedAt}}</dd>{{/acknowledgedAt}}{{#resolvedAt}}<dt>Resolved</dt><dd>{{resolvedAt}}</dd>{{/resolvedAt}}</dl>
        <h2>Actions</h2>
        {{#session}}<div class="actions">
        {{#canAck}}<form method="post" action="/alerts/{{fingerprint}}/ack">{{> csrf}}<button type="submit">Acknowledge</button></form>{{/canAck}}
        {{#canResolve}}<form method="post" action="/alerts/{{fingerprint}}/resolve">{{> csrf}}<button type="submit">Resolve</button></form>{{/canResolve}}
        <form method="post" action="/alerts/{{fingerprint}}/false-positive">{{> csrf}}<label>Reason <input name="reason" required size="24"></label><button type="submit">Mark false positive</button></form>
        <a href="{{silenceHref}}">Silence like this…</a></div>{{/session}}
        {{^session}}<p><a href="/login?next=/alerts/{{fingerprint}}">Log in with the API token</a> to acknowledge, resolve, mark a false positive or silence. <a href="{{silenceHref}}">Silence like this…</a></p>{{/session}}
        <h2>Why: explain</h2>
        {{#explain}}<p><strong>{{summary}}</strong></p><dl class="facts">
        {{#lastDecision}}<dt>Noise filter</dt><dd>{{lastDecision}}</dd>{{/lastDecision}}
        {{#falsePositive}}<dt>False positive</dt><dd>{{falsePositive}}</dd>{{/falsePositive}}
        <dt>Routes</dt><dd class="mono">{{routes}}</dd><dt>Receivers</dt><dd>{{receivers}}</dd>
        {{#silencedBy}}<dt>Silenced by</dt><dd>{{silencedBy}}</dd>{{/silencedBy}}{{#inhibitedBy}}<dt>Inhibited by</dt><dd class="mono">{{inhibitedBy}}</dd>{{/inhibitedBy}}</dl>
        {{#hasNotifications}}<div class="scroll"><table><thead><tr><th>Receiver</th><th>Status</th><th class="num">Attempts</th><th>Queued</th><th>Delivered</th><th>Last error</th></tr></thead><tbody>
        {{#notifications}}<tr><td>{{receiver}}/{{integration}}</td><td>{{status}}</td><td class="num">{{attempts}}</td><td>{{queuedAt}}</td><td>{{deliveredAt}}</td><td>{{lastError}}</td></tr>{{/notifications}}
        </tbody></table></div>{{/hasNotifications}}{{/explain}}
        <h2>History</h2>
        <ol class="timeline">{{#history}}<li><time>{{at}}</time> <strong>{{kind}}</strong> by {{actor}}{{#detail}} — {{detail}}{{/detail}}</li>{{/history}}</ol>
        <h2>Labels</h2><div class="scroll"><table><tbody>{{#labels}}<tr><th scope="row">{{key}}</th><td class="mono">{{value}}</td></tr>{{/labels}}</tbody></table></div>
        <h2>Annotations</h2><div class="scroll"><table><tbody>{{#annotations}}<tr><th scope="row">{{key}}</th><td>{{value}}</td></tr>{{/annotations}}</tbody></table></div>
        """

    static let login = """
        <h1>Log in</h1>
        <p>Actions need the API token (<code>http.token_file</code> or <code>$KLAXON_API_TOKEN</code>). It is checked once; the browser then keeps a signed session cookie (HttpOnly, SameSite=Strict) for 12 hours.</p>
        {{#error}}<p class="flash error" role="alert">{{error}}</p>{{/error}}
        <form class="panel" method="post" action="/login"><input type="hidden" name="next" value="{{next}}">
        <label>Your name (for the audit log) <input name="name" value="{{name}}" required maxlength="64" autocomplete="username"></label>
        <label>API token <input name="token" type="password" required autocomplete="current-password"></label>
        <button type="submit">Log in</button></form>
        """
}
