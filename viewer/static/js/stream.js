// The site's live stream: a snapshot on every (re)connect, then events. Reconnects by
// itself with backoff; reports its state and the age of the newest data it holds.
import { bearer } from "./session.js";

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
// Events normally arrive every second or two; past this the screen says the data is late.
export const STALE_AFTER_MS = 10_000;

export class LiveStream {
  constructor(site, handlers) {
    this.site = site;
    this.handlers = handlers; // { event(e), state(name) }
    this.lastEventAt = 0;
    this.retryMs = RETRY_FIRST_MS;
    this.closed = false;
    this.socket = null;
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/api/v1/sites/${encodeURIComponent(this.site)}/stream?access_token=${encodeURIComponent(bearer())}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.handlers.state("reconnecting");
    socket.onmessage = (msg) => {
      this.lastEventAt = Date.now();
      this.retryMs = RETRY_FIRST_MS;
      const event = JSON.parse(msg.data);
      if (event.type === "snapshot") this.handlers.state("live");
      this.handlers.event(event);
    };
    socket.onclose = () => {
      if (this.closed) return;
      this.handlers.state("offline");
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
  }

  ageMs() {
    return this.lastEventAt ? Date.now() - this.lastEventAt : Infinity;
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }
}
