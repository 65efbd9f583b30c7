/// Silences, routes, deliveries and KPIs (with the SVG chart partial).
extension ConsoleTemplates {
    static let silences = """
        <h1>Silences</h1>
        <form class="panel" method="get" action="/silences"><h2>New silence</h2>
        <label><span>Matchers, one per line (<code>name="value"</code>, <code>=~</code>, <code>!=</code>, <code>!~</code>)</span><textarea name="matchers" required>{{form.matchers}}</textarea></label>
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
        <label><span>Labels, one <code>name=value</code> per line</span><textarea name="labels">{{labels}}</textarea></label>
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
}
