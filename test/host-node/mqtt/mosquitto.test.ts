import { describe, it } from 'vitest';
import { HOST_USERNAME, mosquittoAcl } from '../../../src/bridge/acl.js';
import { HOST_PASSWORD, PEERS, mqttContract } from './contract.js';
import { haveMosquitto, noMosquitto, startMosquitto } from '../../support/mosquitto.js';

if (!haveMosquitto) {
  describe('MQTT over mosquitto', () => {
    it.skip(noMosquitto, () => {});
  });
  console.warn(noMosquitto);
} else {
  mqttContract('mosquitto', { protocolVersion: 5, persistsAcrossRestart: true, refusesForeignSubscriptions: false }, async () => {
    const m = await startMosquitto({ users: { [HOST_USERNAME]: HOST_PASSWORD, ...PEERS }, acl: mosquittoAcl() });
    return { url: m.url, restart: (downMs) => m.restart(downMs), log: () => m.log(), close: () => m.stop() };
  });
}
