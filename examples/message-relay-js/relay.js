// message-relay: a wasmhost message-app in JavaScript (componentize-js / QuickJS).
//
// A temperature on `sensors/<id>/temperature` (payload: a number as text) above
// the threshold (config "threshold", default 30) becomes an alarm on
// `alarms/<id>`: JSON {"sensor","value","threshold"} plus "label" when config
// "label-topic" names a topic whose responder answers a request with the
// sensor's label. A message on `relay/threshold` is answered with the threshold.

import logging from 'wasi:logging/logging@0.1.0-draft';
import store from 'wasi:config/store@0.2.0-draft';
import { Client, Message } from 'wasi:messaging/types@0.2.0-draft';
import producer from 'wasi:messaging/producer@0.2.0-draft';
import requestReply from 'wasi:messaging/request-reply@0.2.0-draft';

const CONTEXT = 'message-relay';
const TEMPERATURE = /^sensors\/([^/]+)\/temperature$/;

let client;
let settings;

function configValue(key) {
  try {
    return store.get(key);
  } catch (e) {
    logging.log('warn', CONTEXT, `config "${key}": ${describe(e)}`);
    return undefined;
  }
}

function config() {
  if (settings) return settings;
  const text = configValue('threshold');
  let threshold = 30;
  if (text != null) {
    const value = Number(text);
    if (text.trim() !== '' && Number.isFinite(value)) threshold = value;
    else logging.log('warn', CONTEXT, `config "threshold" is not a number: "${text}"; using 30`);
  }
  settings = { threshold, labelTopic: configValue('label-topic') };
  return settings;
}

// A messaging error (an import's err, an Error with `payload`) as text.
function describe(e) {
  const err = e?.payload ?? e;
  if (err?.tag) return err.val !== undefined ? `${err.tag}: ${err.val}` : err.tag;
  return String(err?.message ?? err);
}

function utf8(text) {
  const out = [];
  for (const ch of text) {
    let c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

function text(bytes) {
  return decodeURIComponent(Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
}

function connection() {
  client ??= Client.connect('default');
  return client;
}

function message(body, contentType) {
  const m = new Message(utf8(body));
  m.setContentType(contentType);
  return m;
}

// Asks the label responder for the sensor's label; undefined when none answers.
function label(topic, id) {
  const request = message(id, 'text/plain');
  try {
    const replies = requestReply.request(connection(), topic, request, undefined);
    return replies.length ? text(replies[0].data()) : undefined;
  } catch (e) {
    logging.log('warn', CONTEXT, `no label for ${id} from ${topic}: ${describe(e)}`);
    return undefined;
  }
}

function temperature(id, msg) {
  const body = text(msg.data());
  const value = Number(body);
  if (body.trim() === '' || !Number.isFinite(value)) {
    throw { tag: 'other', val: `${msg.topic()}: payload "${body}" is not a number` };
  }
  const { threshold, labelTopic } = config();
  if (value <= threshold) return;
  const alarm = { sensor: id, value, threshold };
  if (labelTopic) {
    const name = label(labelTopic, id);
    if (name !== undefined) alarm.label = name;
  }
  const topic = `alarms/${id}`;
  try {
    producer.send(connection(), topic, message(JSON.stringify(alarm), 'application/json'));
  } catch (e) {
    logging.log('error', CONTEXT, `cannot publish alarm on ${topic}: ${describe(e)}`);
    throw e?.payload ?? { tag: 'other', val: String(e) };
  }
  logging.log('info', CONTEXT, `${id}: ${value} above ${threshold}, alarm on ${topic}`);
}

// wasi:messaging/incoming-handler: exported interfaces are objects named in camelCase.
export const incomingHandler = {
  handle(msg) {
    const topic = msg.topic();
    const match = topic === undefined ? null : TEMPERATURE.exec(topic);
    if (match) return temperature(match[1], msg);
    if (topic === 'relay/threshold') {
      try {
        requestReply.reply(msg, message(String(config().threshold), 'text/plain'));
      } catch (e) {
        logging.log('error', CONTEXT, `cannot reply on relay/threshold: ${describe(e)}`);
        throw e?.payload ?? { tag: 'other', val: String(e) };
      }
      return;
    }
    logging.log('debug', CONTEXT, `ignored a message on ${topic ?? '(no topic)'}`);
  },
};
