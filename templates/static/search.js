// A classic script (not a module), so that it also runs from file:// and can say why search
// does not work there; the Pagefind bundle itself is loaded with a dynamic import().
// Search with the Pagefind index that `dossier build` writes to /pagefind/.
// No framework: a form, two filters and a list of results. Works under any base path,
// because the site root is worked out from this page's own address.
(() => {
  const form = document.querySelector("form.search");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const input = document.getElementById("search-input");
  const kindSelect = document.getElementById("search-kind");
  const countrySelect = document.getElementById("search-country");

  function say(text) {
    status.textContent = text;
  }

  function fill(select, values) {
    for (const value of Object.keys(values || {}).sort((a, b) => a.localeCompare(b))) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = `${value} (${values[value]})`;
      select.append(option);
    }
  }

  // What the address asks for (?q=...&kind=...&country=...), read before anything is awaited,
  // so that nothing typed while the index loads is overwritten.
  const wanted = new URLSearchParams(location.search);
  if (wanted.get("q") && !input.value) input.value = wanted.get("q");

  let generation = 0;
  let pagefind = null;

  async function run() {
    if (!pagefind) return; // start() runs a search as soon as the index is ready
    const term = input.value.trim();
    const chosen = {};
    if (kindSelect.value) chosen.kind = kindSelect.value;
    if (countrySelect.value) chosen.country = countrySelect.value;
    const mine = ++generation;
    // Busy until this search's results replace the list: assistive technology (and a
    // test) then knows the list shown is not the answer to the new question yet.
    list.setAttribute("aria-busy", "true");
    if (!term && !Object.keys(chosen).length) {
      list.replaceChildren();
      list.setAttribute("aria-busy", "false");
      say("Type a name or a word and press Enter.");
      return;
    }
    const search = await pagefind.search(term || null, { filters: chosen });
    if (!search || mine !== generation) return; // a newer search superseded this one
    const results = await Promise.all(search.results.slice(0, 30).map((r) => r.data()));
    if (mine !== generation) return;
    const items = results.map((data) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = data.url;
      link.textContent = data.meta.title || data.url;
      link.dir = "auto";
      const kind = document.createElement("span");
      kind.className = "meta";
      kind.textContent = " " + ((data.filters.kind || [])[0] || "");
      const excerpt = document.createElement("p");
      // Pagefind's excerpt is the page's own text, escaped, with <mark> around the hits.
      excerpt.innerHTML = data.excerpt;
      item.append(link, kind, excerpt);
      return item;
    });
    list.replaceChildren(...items);
    list.setAttribute("aria-busy", "false");
    const n = search.results.length;
    say(n === 0 ? "No results." : `${n} result${n === 1 ? "" : "s"}${n > 30 ? ", first 30 shown" : ""}.`);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    if (kindSelect.value) params.set("kind", kindSelect.value);
    if (countrySelect.value) params.set("country", countrySelect.value);
    history.replaceState(null, "", params.toString() ? `?${params}` : location.pathname);
    run();
  });
  input.addEventListener("input", () => run());
  kindSelect.addEventListener("change", () => run());
  countrySelect.addEventListener("change", () => run());

  async function start() {
    if (location.protocol === "file:") {
      document.getElementById("search-file").hidden = false;
      form.hidden = true;
      say("Search is not available from a file: see the note below.");
      return;
    }
    say("Loading the search index ...");
    const root = new URL(form.dataset.root, location.href).pathname;
    let loaded;
    try {
      loaded = await import(new URL(form.dataset.bundle, location.href).href);
      await loaded.options({ baseUrl: root, excerptLength: 24 });
      await loaded.init();
    } catch (error) {
      say("The search index could not be loaded. Try reloading the page.");
      return;
    }
    const filters = await loaded.filters();
    fill(kindSelect, filters.kind);
    fill(countrySelect, filters.country);
    // Keep a choice made while loading; otherwise take the one in the address.
    if (!kindSelect.value) kindSelect.value = wanted.get("kind") || "";
    if (!countrySelect.value) countrySelect.value = wanted.get("country") || "";
    pagefind = loaded;
    run();
  }

  start();
})();
