"""Small fixes to the HTML of the book (a local Sphinx extension, see _config.yml).

sphinx-thebe 0.3.1 with Jupyter Book 1 inserts its inline `const THEBE_JS_URL = ...` script twice,
which the browser reports as "Identifier 'THEBE_JS_URL' has already been declared" on every page.
This extension drops exact duplicate <script> entries before each page is written.
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        key = (getattr(script, "filename", script) or "", attributes.get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    if "script_files" in context:
        context["script_files"][:] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
