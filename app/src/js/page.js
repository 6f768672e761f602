// Every page: forms post as plain HTML (islands may send theirs themselves). While a form is
// being sent its button says so and a second press does nothing; a page shown again from the
// back/forward cache is usable again. A form the server sent back with an error (`__path`,
// `__err` in the address) gets back what was typed in it (kept in this tab only, until the
// next page). A link in the phone menu closes the menu.
(() => {
  const KEPT = "ewelists-typed:";
  const typed = (form) =>
    [...form.elements].filter(
      (f) => f.name && !f.readOnly && !["hidden", "password", "submit", "button"].includes(f.type),
    );
  document.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    const form = event.target;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    const values = {};
    for (const f of typed(form)) if (f.type !== "radio" || f.checked) values[f.name] = f.value;
    try {
      sessionStorage.setItem(KEPT + form.getAttribute("action") + "#" + form.id, JSON.stringify(values));
    } catch (_) {}
    const button = event.submitter;
    if (button && button.dataset.busy) {
      button.dataset.label = button.textContent;
      button.textContent = button.dataset.busy;
      button.setAttribute("aria-busy", "true");
      button.setAttribute("aria-disabled", "true");
    }
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    for (const form of document.querySelectorAll("form[data-sending]")) delete form.dataset.sending;
    for (const button of document.querySelectorAll("button[aria-busy=true]")) {
      button.textContent = button.dataset.label;
      button.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    const query = new URLSearchParams(location.search);
    const sentBack = query.get("__err") ? query.get("__path") : null;
    try {
      for (const form of document.querySelectorAll("form[action]")) {
        const key = KEPT + form.getAttribute("action") + "#" + form.id;
        const kept = form.getAttribute("action") === sentBack ? JSON.parse(sessionStorage.getItem(key) || "{}") : {};
        for (const f of typed(form)) {
          if (!(f.name in kept)) continue;
          if (f.type === "radio") f.checked = f.value === kept[f.name];
          else f.value = kept[f.name];
        }
      }
      for (const key of Object.keys(sessionStorage)) if (key.startsWith(KEPT)) sessionStorage.removeItem(key);
    } catch (_) {}
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#mobile-menu a");
    if (link) link.closest("details").open = false;
  });
})();
