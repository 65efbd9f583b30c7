import Mustache

/// The console's Mustache templates. `{{x}}` HTML-escapes (Mustache's default for HTML), so
/// label values, comments and error texts show as text; the only `{{{x}}}` is the layout's
/// `body`, which is itself a rendered template. KPI charts are SVG from the `chart` template.
enum ConsoleTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Klaxon</title><link rel="stylesheet" href="/console.css"></head>
        <body><header><a class="brand" href="/">Klaxon</a>
        <nav aria-label="Console">{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a> {{/nav}}</nav>
        <span class="who">{{#session}}Signed in as <strong>{{name}}</strong>
        <form method="post" action="/logout">{{> csrf}}<button class="secondary" type="submit">Log out</button></form>{{/session}}
        {{^session}}<a href="/login?next={{path}}">Log in</a>{{/session}}</span></header>
        <main id="main">{{#flash}}<p class="flash {{kind}}" role="status">{{text}}</p>{{/flash}}
        {{{body}}}</main></body></html>
        """

    static let csrf = #"<input type="hidden" name="csrf" value="{{csrf}}">"#

    static let severity = #"<span class="sev sev-{{name}}">{{name}} {{score}}</span>"#

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

    static let silences = """
        <h1>Silences</h1>
        <form class="panel" method="get" action="/silences"><h2>New silence</h2>
        <label>Matchers, one per line (<code>name="value"</code>, <code>=~</code>, <code>!=</code>, <code>!~</code>)<textarea name="matchers" required>{{form.matchers}}</textarea></label>
        <div class="actions"><label>Duration <input name="duration" value="{{form.duration}}" size="6"></label>
        <label class="check"><input type="checkbox" name="until_resolved" value="1"{{#form.untilResolved}} checked{{/form.untilResolved}}> until the alert resolves</label>
        <label>Comment <input name="comment" value="{{form.comment}}" size="30"></label>
        <button type="submit">Preview</button></div></form>
        {{#error}}<p class="flash error" role="alert">{{error}}</p>{{/error}}
        {{#preview}}<section class="group"><h2>Preview: would silence {{count}} current alert(s)</h2><div class="scroll"><table><tbody>
        {{#rows}}<tr><td>{{#severity}}{{> severity}}{{/severity}}</td><td><a href="/alerts/{{fingerprint}}">{{name}}</a></td><td>{{status}}</td><td class="mono">{{subject}}</td></tr>{{/rows}}
        </tbody></table></div>
        {{#session}}<form method="post" action="/silences" class="pad">{{> csrf}}{{#form}}<input type="hidden" name="matchers" value="{{matchers}}">
        <input type="hidden" name="duration" value="{{duration}}">{{#untilResolved}}<input type="hidden" name="until_resolved" value="1">{{/untilResolved}}
        <input type="hidden" name="comment" value="{{comment}}">{{/form}}<button type="submit">Create silence</button></form>{{/session}}
        {{^session}}<p class="pad"><a href="/login?next=/silences">Log in</a> to create it.</p>{{/session}}</section>{{/preview}}
        {{#lists}}<h2>{{title}} ({{count}})</h2>
        {{#hasRows}}<div class="scroll"><table><thead><tr><th>Matchers</th><th>Starts</th><th>Ends</th><th>By</th><th>Comment</th><th></th></tr></thead><tbody>
        {{#rows}}<tr><td class="mono">{{matchers}}</td><td>{{startsAt}}</td><td>{{ends}}</td><td>{{createdBy}}</td><td>{{comment}}</td>
        <td>{{#expirable}}{{#session}}<form method="post" action="/silences/{{id}}/expire">{{> csrf}}<button class="secondary" type="submit">Expire</button></form>{{/session}}{{/expirable}}</td></tr>{{/rows}}
        </tbody></table></div>{{/hasRows}}{{/lists}}
        """

    static let routes = """
        <h1>Routes</h1>
        <form class="panel" method="get" action="/routes"><h2>Route tester</h2>
        <label>Labels, one <code>name=value</code> per line<textarea name="labels">{{labels}}</textarea></label>
        <button type="submit">Test</button></form>
        {{#error}}<p class="flash error" role="alert">{{error}}</p>{{/error}}
        {{#result}}<section class="group"><h2>Result</h2><dl class="facts" class="pad"><dt>Receivers</dt><dd>{{receivers}}</dd>
        <dt>Group keys</dt><dd class="mono">{{#groupKeys}}{{.}}<br>{{/groupKeys}}</dd>{{#muted}}<dt>Muted now</dt><dd>{{muted}}</dd>{{/muted}}</dl></section>{{/result}}
        <h2>Tree</h2><p class="note">Each route with the settings it has, inherited ones included.</p>
        <ul class="tree">{{#tree}}{{> route}}{{/tree}}</ul>
        """

    static let route = """
        <li><strong>{{receiver}}</strong> <span class="mono">{{matchers}}</span>{{#continues}} <em>continue</em>{{/continues}}<br>
        <span class="note">{{settings}}</span>{{#hasChildren}}<ul>{{#children}}{{> route}}{{/children}}</ul>{{/hasChildren}}</li>
        """

    static let deliveries = """
        <h1>Deliveries</h1>
        <div class="scroll"><table><thead><tr><th>Receiver / integration</th><th class="num">Pending</th><th class="num">Failed</th><th class="num">Dead</th><th>Breaker</th></tr></thead><tbody>
        {{#lanes}}<tr><td>{{lane}}</td><td class="num">{{pending}}</td><td class="num">{{failed}}</td><td class="num">{{dead}}</td><td>{{breaker}}</td></tr>{{/lanes}}
        </tbody></table></div>
        <p class="note">Delivered in total: {{delivered}}. Failed entries are pending after a failed attempt.</p>
        <h2>Failed and dead ({{problemCount}})</h2>
        {{#hasProblems}}<div class="scroll"><table><thead><tr><th class="num">Id</th><th>Receiver</th><th>Status</th><th class="num">Attempts</th><th>Last error</th><th>Group</th><th></th></tr></thead><tbody>
        {{#problems}}<tr><td class="num">{{id}}</td><td>{{lane}}</td><td>{{status}}</td><td class="num">{{attempts}}</td><td>{{lastError}}</td><td class="mono">{{groupKey}}</td>
        <td>{{#session}}<form method="post" action="/deliveries/{{id}}/retry">{{> csrf}}<button type="submit">Retry</button></form>{{/session}}</td></tr>{{/problems}}
        </tbody></table></div>{{/hasProblems}}
        """

    static let kpis = """
        <h1>KPIs</h1>
        <form class="filters" method="get" action="/kpis"><label>Window <input name="since" value="{{since}}" size="6"></label><button type="submit">Show</button></form>
        {{#error}}<p class="flash error" role="alert">{{error}}</p>{{/error}}
        {{#total}}<ul class="counts" aria-label="Totals"><li><strong>{{alerts}}</strong> alerts</li><li><strong>{{mtta}}</strong> MTTA median</li>
        <li><strong>{{mttr}}</strong> MTTR median</li><li><strong>{{sla}}</strong> within SLA</li><li><strong>{{falsePositives}}</strong> false positives</li></ul>{{/total}}
        {{#tables}}<h2>By {{by}}</h2><div class="scroll"><table><thead><tr><th>{{by}}</th><th class="num">Alerts</th><th class="num">Open</th>
        <th class="num">MTTD p50 / p90</th><th class="num">MTTA p50 / p90</th><th class="num">MTTR p50 / p90</th><th class="num">SLA</th><th class="num">False pos.</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{group}}</td><td class="num">{{alerts}}</td><td class="num">{{open}}</td><td class="num">{{mttd}}</td><td class="num">{{mtta}}</td><td class="num">{{mttr}}</td><td class="num">{{sla}}</td><td class="num">{{falsePositives}}</td></tr>{{/rows}}
        </tbody></table></div>{{/tables}}
        <h2>Charts</h2><div class="charts">{{#charts}}<figure><figcaption>{{title}}</figcaption>{{> chart}}</figure>{{/charts}}</div>
        {{#hasCoverage}}<h2>Coverage</h2><div class="scroll"><table><thead><tr><th>Environment</th><th class="num">Known</th><th class="num">Covered</th><th class="num">Ratio</th></tr></thead><tbody>
        {{#coverage}}<tr><td>{{environment}}</td><td class="num">{{known}}</td><td class="num">{{covered}}</td><td class="num">{{ratio}}</td></tr>{{/coverage}}</tbody></table></div>{{/hasCoverage}}
        """

    static let chart = """
        <svg viewBox="0 0 {{width}} {{height}}" width="100%" role="img" aria-label="{{title}}" xmlns="http://www.w3.org/2000/svg"><title>{{title}}</title><desc>{{desc}}</desc>
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{fill}}"><title>{{tip}}</title></rect>{{/bars}}
        {{#texts}}<text x="{{x}}" y="{{y}}" text-anchor="{{anchor}}">{{text}}</text>{{/texts}}</svg>
        """

    static let error = """
        <h1>{{title}}</h1><p class="flash error" role="alert">{{message}}</p><p><a href="/">Back to alerts</a></p>
        """

    /// Parsed once; a broken template fails the console's tests, which render every page.
    static let library: MustacheLibrary = {
        let sources = [
            "layout": layout, "csrf": csrf, "severity": severity, "alerts": alerts, "alert": alert, "login": login,
            "silences": silences, "routes": routes, "route": route, "deliveries": deliveries, "kpis": kpis, "chart": chart, "error": error,
        ]
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in sources {
            // The texts are constants of this file: a parse error is a bug the tests catch at once.
            templates[name] = try! MustacheTemplate(string: text)
        }
        return MustacheLibrary(templates: templates)
    }()
}
