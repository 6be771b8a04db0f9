// The live feeds (MQTT ingest, each Modbus device, positioning, wind sensors, each
// incident's source fit), each live, late or down, as the server judges them: the header
// never says "live" while one is down, and the panels say which of their inputs is.
import { message, t } from "./i18n.js";

export class Feeds {
  constructor() { this.byKey = new Map(); }

  reset(list) { this.byKey = new Map((list || []).map((f) => [f.key, f])); }

  update(feed) { this.byKey.set(feed.key, feed); }

  // The worst state of any input feed, and the feeds in it ("live" when all are). A source
  // fit is the incident panel's business (its rate basis says whether a fit is used).
  worst() {
    const all = [...this.byKey.values()].filter((f) => f.kind !== "fit");
    for (const state of ["down", "late"]) {
      const hit = all.filter((f) => f.state === state);
      if (hit.length) return { state, feeds: hit };
    }
    return { state: "live", feeds: [] };
  }

  ofKind(kind) { return [...this.byKey.values()].filter((f) => f.kind === kind); }

  // A site's positioning feed when it is not live (the headcount cannot be trusted).
  positioningDown() {
    return this.ofKind("positioning").find((f) => f.state === "down") || null;
  }
}

export function sinceText(iso, lang) {
  return new Date(iso).toLocaleTimeString(lang, { hour12: false });
}

// "数据源中断: MQTT 接入, 风速 WS-01 +2" for the header, with every reason in the tooltip.
export function feedSummary(worst, lang) {
  if (worst.state === "live") return { text: "", title: "" };
  const names = worst.feeds.map((f) => message(f.label));
  const shown = names.slice(0, 2).join(", ") + (names.length > 2 ? ` +${names.length - 2}` : "");
  const title = worst.feeds.map((f) => `${message(f.label)}: ${t(`feed_${f.state}`)} ${t("since")} ${sinceText(f.since_utc, lang)}`
    + (f.reason ? ` (${f.reason})` : "")).join("\n");
  return { text: `${t(`feeds_${worst.state}`)}: ${shown}`, title };
}
