import { test } from "node:test";
import assert from "node:assert/strict";

import { LiveChannel, backoffDelay, liveUrl } from "../../js/live.js";

test("the backoff doubles up to 30 s and is fully jittered", () => {
  assert.equal(backoffDelay(0, () => 0.999), 999);
  assert.equal(backoffDelay(3, () => 0.5), 4000);
  assert.equal(backoffDelay(10, () => 0.999), 29_970);
  assert.equal(backoffDelay(50, () => 0.999), 29_970, "never more than 30 s");
  assert.equal(backoffDelay(4, () => 0), 0);
});

class FakeSocket extends EventTarget {
  static opened = [];
  constructor(url) {
    super();
    this.url = url;
    FakeSocket.opened.push(this);
  }
  close() {
    this.dispatchEvent(new Event("close"));
  }
  receive(data) {
    const event = new Event("message");
    event.data = data;
    this.dispatchEvent(event);
  }
}

test("frames reach the desk, and a dropped socket reconnects after a backoff", async () => {
  FakeSocket.opened = [];
  const events = [];
  const states = [];
  const scheduled = [];
  const live = new LiveChannel({
    url: async () => "ws://127.0.0.1/ws?agent=a",
    onEvent: (e) => events.push(e.event_type),
    onState: (s) => states.push(s),
    WebSocketImpl: FakeSocket,
    schedule: (fn, delay) => scheduled.push({ fn, delay }),
  });
  await live.start();
  const first = FakeSocket.opened[0];
  first.dispatchEvent(new Event("open"));
  first.receive(JSON.stringify({ event_type: "conversation.requested" }));
  first.receive("not json");
  assert.deepEqual(events, ["conversation.requested"]);
  assert.deepEqual(states, [true]);

  first.close();
  assert.deepEqual(states, [true, false]);
  assert.equal(scheduled.length, 1);
  assert.ok(scheduled[0].delay < 1000);
  await scheduled[0].fn();
  assert.equal(FakeSocket.opened.length, 2, "it connected again");

  live.stop();
  assert.equal(scheduled.length, 1, "a stopped channel does not reconnect");
});

test("without a live URL the channel stays disconnected and the desk keeps polling", async () => {
  const states = [];
  const live = new LiveChannel({ url: async () => null, onState: (s) => states.push(s), WebSocketImpl: FakeSocket });
  await live.start();
  assert.equal(live.connected, false);
  assert.deepEqual(states, []);
});

test("locally the socket names the agent, and an administrator's its group too", async () => {
  globalThis.location = { href: "http://127.0.0.1:3000/" };
  try {
    assert.equal(await liveUrl({ mode: "local" }, { agentId: "ann", isAdmin: false }), "ws://127.0.0.1:3000/ws?agent=ann");
    assert.equal(
      await liveUrl({ mode: "local" }, { agentId: "boss", isAdmin: true }),
      "ws://127.0.0.1:3000/ws?agent=boss&groups=admins",
    );
  } finally {
    delete globalThis.location;
  }
});
