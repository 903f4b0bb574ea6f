/* The budget planner's helper, an ES module: the planner page imports it at build time
 * (rx.asset("budget.js").importable_path in pages/accounts/budget.py), so it is in the
 * page's own JavaScript, there when the page is prerendered and when it renders in the
 * browser, online or offline (the service worker precaches the app's JavaScript).
 *
 * makeBudgetPlanner(T, setPlan) makes the helper the page uses as globalThis.doorstepBudget
 * (pages/accounts/budget.py makes it once per page load):
 *   T        the rules' tables, as JSON from services/accounts/budget.py (frequencies as
 *            [numerator, denominator] of a month, the amount pattern, the defaults, the
 *            localStorage key);
 *   setPlan  sets the planner's client-side state (the page's rx._x.client_state).
 * The rounding rule is services/accounts/budget.py's: month = round half up
 * (pence x numerator / denominator), in whole numbers. tests/unit/accounts/test_budget.py
 * runs this file in Node and compares its figures with Python's.
 */
export function makeBudgetPlanner(T, setPlan) {
  const RE = new RegExp(T.pattern);
  const kiosk = () => { const w = globalThis.window; return !!(w && w.doorstep && w.doorstep.kiosk === true); };
  const pence = (text) => {
    let s = String(text ?? "").replace(/\s/g, "");
    if (s.startsWith("\u00a3")) s = s.slice(1);
    if (s === "") return 0;
    const m = RE.exec(s);
    if (!m) return null;
    const pounds = m[1].replace(/,/g, ""), p = m[2] || "";
    if (pounds === "" && p === "") return null;
    if (pounds.length > T.maxDigits) return null;
    return Number(pounds || "0") * 100 + Number(p.padEnd(2, "0"));
  };
  const monthly = (p, f) => {
    const [n, d] = T.frequencies[f] || T.frequencies[T.defaultFrequency];
    return Math.floor((2 * p * n + d) / (2 * d));
  };
  const values = (v) => (v && typeof v === "object" ? v : T.defaults);
  const field = (v, key) => values(v)[key] ?? T.defaults[key];
  const line = (v, key) => monthly(pence(values(v)["a_" + key]) ?? 0, values(v)["f_" + key]);
  const invalid = (v, key) => pence(values(v)["a_" + key]) === null;
  const money = (p) => {
    const a = Math.abs(p);
    return "\u00a3" + Math.floor(a / 100).toLocaleString("en-GB") + "." + String(a % 100).padStart(2, "0");
  };
  const clean = (saved) => {
    const out = { ...T.defaults };
    if (saved && typeof saved === "object") {
      for (const k of Object.keys(T.defaults)) {
        const x = saved[k];
        if (typeof x !== "string" || x.length > 40) continue;
        if (k.startsWith("f_") && !(x in T.frequencies)) continue;
        out[k] = x;
      }
    }
    return out;
  };
  const store = (v) => {
    if (kiosk()) return;
    try { globalThis.localStorage.setItem(T.storageKey, JSON.stringify(v)); } catch (e) { /* private mode: memory only */ }
  };
  // Every change to the planner's values goes through here, so this is also what it shows now.
  let shown = null;
  const show = (v) => { shown = v; if (setPlan) setPlan(v); };
  const current = () => clean(shown);
  // What is left, said once the resident pauses (issue 13 item 15, WCAG 4.1.3): the page's
  // one polite live region (T.announce.id, role="status") gets the result about a second
  // after the last change, never at every key, so a screen reader hears the total once.
  const total = (v, keys) => keys.reduce((sum, key) => sum + line(v, key), 0);
  const words = (v) => {
    const a = T.announce, inn = total(v, a.income), out = total(v, a.outgoing), left = inn - out;
    const head = left < 0 ? "You are " + money(-left) + " short each month" : "You have " + money(left) + " left each month";
    return head + ": " + money(inn) + " coming in, " + money(out) + " going out.";
  };
  let timer = null;
  const announce = () => {
    if (!T.announce || !globalThis.document) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const el = globalThis.document.getElementById(T.announce.id);
      if (el) el.textContent = words(current());
    }, T.announce.afterMs);
  };
  return {
    pence, monthly, field, line, invalid, money, clean, words,
    set: (key, text) => { const v = { ...current(), [key]: String(text ?? "") }; show(v); store(v); announce(); },
    fill: (given) => { const v = clean({ ...current(), ...given }); show(v); store(v); announce(); },
    clear: () => {
      announce();
      show({ ...T.defaults });
      if (!kiosk()) { try { globalThis.localStorage.removeItem(T.storageKey); } catch (e) { /* nothing kept */ } }
    },
    load: () => {
      if (kiosk()) return;
      let saved = null;
      try { saved = JSON.parse(globalThis.localStorage.getItem(T.storageKey) || "null"); } catch (e) { saved = null; }
      if (saved) show(clean(saved));
    },
  };
}
