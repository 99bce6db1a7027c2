export type { ArtifactCache, CachedArtifact, GlueModule, TranspiledArtifact } from './artifact-cache.js';
export type { MessageBus, BusMessage, BusMetadata, PublishOptions, RequestOptions, MessageHandler, Unsubscribe } from './message-bus.js';
export type { Store, KeyPage, KeyPageRequest } from './store.js';
export type { Isolate, IsolateWorker, IsolateSpawnOptions } from './isolate.js';
export type { MqttTransport, MqttMessage, MqttProperties, MqttPublishOptions, MqttSubscribeOptions, MqttConnectionEvent, MqttProtocolVersion, MqttQos, MqttWill } from './mqtt-transport.js';
