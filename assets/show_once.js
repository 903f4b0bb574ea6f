/* What the sign-in and security page shows once and keeps nowhere: the key of a two-step
 * setup (as a QR code and as text to type) and freshly made recovery codes. The back
 * office's request page uses it the same way for a refund's bank details.
 *
 * An ES module the security page imports at build time (rx.asset("show_once.js")
 * .importable_path in pages/identity/security.py, as the budget planner does; and
 * pages/staff/request.py), so it is in the page's own JavaScript whenever the page is on
 * screen. The page makes the helper once per page load as
 * globalThis.doorstepShowOnce = makeShowOnce().
 *
 * The server never keeps these secrets in the page's state (Reflex writes every state
 * var to disk): a handler sends them once, in the call_script that calls the helper,
 * and the helper writes them into elements React renders empty and does not manage
 * (#setup-qr, #setup-key, #recovery-codes; the back office's #bank-details). They go
 * when those elements go: when the setup is confirmed or cancelled (React removes the
 * setup steps), when the resident chooses "I have saved these codes" (the officer
 * "Hide the bank details"), and on leaving the page.
 */
export function makeShowOnce() {
  // The element the handler's new state draws may not be on screen yet when its
  // script runs (React renders after the delta is applied): wait for it, a little.
  const whenThere = (id, then, tries = 100) => {
    const el = globalThis.document && document.getElementById(id);
    if (el) return then(el);
    if (tries > 0) setTimeout(() => whenThere(id, then, tries - 1), 50);
    return undefined;
  };
  const make = (tag, props, children) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") el.textContent = v;
      else el.setAttribute(k, v);
    }
    for (const child of children || []) el.appendChild(child);
    return el;
  };

  return {
    /* The QR code (an SVG the portal drew: services/identity/two_step.qr_svg, no script
     * in it) and the key in groups of four. */
    setupKey(shown) {
      whenThere("setup-qr", (box) => {
        box.innerHTML = shown.qr;
      });
      whenThere("setup-key", (box) => {
        box.textContent = shown.key;
      });
    },

    /* The recovery codes as a list under a heading that takes the focus, with Print (the
     * stylesheet prints only the codes while they are on screen) and "I have saved these
     * codes" (which removes them and puts the focus on the element t.after). */
    recoveryCodes(t) {
      whenThere("recovery-codes", (slot) => {
        const heading = make("h3", { id: "recovery-codes-heading", tabindex: "-1", text: t.heading });
        const list = make(
          "ol",
          { class: "code-list", "aria-label": t.listLabel },
          t.codes.map((code) => make("li", { text: code })),
        );
        const print = make("button", { type: "button", class: "button button--secondary no-print", text: t.print });
        const saved = make("button", { type: "button", class: "button no-print", text: t.saved });
        print.addEventListener("click", () => globalThis.print());
        saved.addEventListener("click", () => {
          slot.replaceChildren();
          const next = document.getElementById(t.after);
          if (next) next.focus();
        });
        slot.replaceChildren(
          make("div", { class: "notice notice--success", role: "region", "aria-labelledby": heading.id }, [
            heading,
            make("p", { text: t.intro }),
            list,
            make("div", { class: "actions" }, [print, saved]),
          ]),
        );
        heading.focus();
      });
    },

    /* Label and value lines (a refund's bank details, for the officer it is assigned to:
     * pages/staff/request.py) under a heading that takes the focus, with a button that
     * takes them away again and puts the focus on the element t.after. */
    lines(t) {
      whenThere(t.id, (slot) => {
        const heading = make("h3", { id: `${t.id}-heading`, tabindex: "-1", text: t.heading });
        const list = make(
          "dl",
          { class: "summary-list" },
          t.lines.map(([label, value]) => make("div", {}, [make("dt", { text: label }), make("dd", { text: value })])),
        );
        const hide = make("button", { type: "button", class: "button button--secondary", text: t.hide });
        hide.addEventListener("click", () => {
          slot.replaceChildren();
          const next = document.getElementById(t.after);
          if (next) next.focus();
        });
        slot.replaceChildren(
          make("div", { class: "notice", role: "region", "aria-labelledby": heading.id }, [heading, list, hide]),
        );
        heading.focus();
      });
    },

    /* Take away whatever was shown in the element ``id`` (the codes, once two-step is off). */
    forget(id) {
      const el = document.getElementById(id);
      if (el) el.replaceChildren();
    },
  };
}
