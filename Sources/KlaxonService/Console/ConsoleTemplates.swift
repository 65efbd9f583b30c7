import Mustache

/// The console's Mustache templates. `{{x}}` HTML-escapes (Mustache's default for HTML), so
/// label values, comments and error texts show as text; the only `{{{x}}}` is the layout's
/// `body`, which is itself a rendered template. KPI charts are SVG from the `chart` template.
enum ConsoleTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Klaxon</title><link rel="stylesheet" href="/console.css"></head>
        <body><a class="skip" href="#main">Skip to content</a><header><a class="brand" href="/">Klaxon</a>
        <nav aria-label="Console">{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a> {{/nav}}</nav>
        <span class="who">{{#session}}Signed in as <strong>{{name}}</strong>
        <form method="post" action="/logout">{{> csrf}}<button class="secondary" type="submit">Log out</button></form>{{/session}}
        {{^session}}<a href="/login?next={{path}}">Log in</a>{{/session}}</span></header>
        <main id="main">{{#flash}}<p class="flash {{kind}}" role="status">{{text}}</p>{{/flash}}
        {{{body}}}</main></body></html>
        """

    static let csrf = #"<input type="hidden" name="csrf" value="{{csrf}}">"#

    static let severity = #"<span class="sev sev-{{name}}">{{name}} {{score}}</span>"#

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
