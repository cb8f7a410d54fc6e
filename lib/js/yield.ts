// How the pure-TypeScript async calls give the event loop a turn between chunks of work.
//
// - Node and Bun: setImmediate, which runs after pending I/O callbacks.
// - Browsers and Web Workers: a MessageChannel message, a task queued without delay; timers, input
//   and rendering still get their turns between two of them. Not setTimeout(0): browsers clamp nested
//   timers to at least 4 ms, so a call cut into 32 chunks would wait 128 ms in all.
// - Anything else: setTimeout(0).

type Yield = (f: () => void) => void;

/** The part of a (Web) MessageChannel used here; Node's typings describe its own ports instead. */
interface Channel {
  port1: { onmessage: (() => void) | null };
  port2: { postMessage(message: null): void };
}

/** A yield through one MessageChannel: each message runs the oldest waiting callback. */
function messageChannelYield(): Yield {
  const waiting: Array<() => void> = [];
  const channel = new MessageChannel() as unknown as Channel;
  channel.port1.onmessage = () => waiting.shift()!();
  return (f) => {
    waiting.push(f);
    channel.port2.postMessage(null);
  };
}

function pickYield(): Yield {
  if (typeof setImmediate === 'function') return (f) => void setImmediate(f);
  if (typeof MessageChannel === 'function') return messageChannelYield();
  return (f) => void setTimeout(f, 0);
}

const yieldThen = pickYield();

/** Resolves in a later turn of the event loop, after other tasks had theirs. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => yieldThen(resolve));
