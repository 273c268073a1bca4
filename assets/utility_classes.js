// Only utility classes reach UnoCSS. NiceGUI hands the runtime every class name the page shows for the first time,
// and the runtime rewrites all of its style sheets whenever it is handed a name it has not seen, even one that
// matches no utility: each highlighted token kind, diff line or diagram class in a streamed answer then made the
// browser restyle and lay out the whole page (a long task of 50–200 ms). Names are checked with the runtime's own
// generator (`parseToken`) first; what it does not know never reaches `extract`, so the sheets change only when a
// new utility appears. Runs before the runtime loads (it is deferred), through its documented `ready` hook.
(function () {
  const runtime = window.__unocss && window.__unocss.runtime;
  if (!runtime) return;
  const ready = runtime.ready;
  runtime.ready = (unocss) => {
    const extract = unocss.extract.bind(unocss);
    unocss.extract = async (classes) => {
      const names = typeof classes === "string" ? classes.split(/\s+/).filter(Boolean) : [...classes];
      const utilities = [];
      for (const name of names) if (await unocss.uno.parseToken(name)) utilities.push(name);
      if (utilities.length) await extract(utilities.join(" "));
    };
    return ready ? ready(unocss) : undefined;
  };
})();
