// The live feeds, opened once per sign-in: alerts (faces and plates) and rule events as
// Server-Sent Events. Views subscribe while they are shown; the browser reconnects by itself.
"use strict";

export class LiveFeeds {
  constructor(onAlert) {
    this.listeners = { alert: new Set(), event: new Set() };
    this.alerts = new EventSource("/api/live/alerts");
    this.events = new EventSource("/api/live/events");
    const deliver = (kind) => (message) => {
      const data = JSON.parse(message.data);
      if (kind === "alert") onAlert(data);
      for (const listener of this.listeners[kind]) listener(data);
    };
    this.alerts.addEventListener("alert", deliver("alert"));
    this.alerts.addEventListener("plate_alert", deliver("alert"));
    this.events.addEventListener("event", deliver("event"));
  }

  // Returns the function that unsubscribes.
  on(kind, listener) {
    this.listeners[kind].add(listener);
    return () => this.listeners[kind].delete(listener);
  }

  close() {
    this.alerts.close();
    this.events.close();
  }
}
