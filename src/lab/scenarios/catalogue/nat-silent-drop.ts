import { num, parseClientList } from '../../../core/parse-client-list.js';
import { defineScenario } from '../scenario.js';

/** A NAT forgets the idle flow: the next write gets a RST, the server keeps a ghost connection. */
export default defineScenario({
  id: 'nat-silent-drop',
  title: 'NAT forgets an idle flow (ghost left on the server)',
  cause: 'lb-idle-reset',
  async run({ app, proxy, admin, faultStarts, faultClears, now, sleep, note }) {
    await app.write();
    const added = now(); // before the toxic starts its clock: the fault cannot come before faultAt
    proxy.addToxic({ type: 'silent_drop', attributes: { timeout: 2000 } });
    faultStarts(added + 2000);
    await sleep(3000);
    await app.write(); // the first packet after the NAT forgot: RST
    await sleep(200);
    proxy.removeToxic('silent_drop_downstream');
    faultClears();
    await app.probe(5000);
    const list = String(await admin.call('CLIENT', 'LIST'));
    const ghosts = parseClientList(list).filter((c) => num(c, 'idle') >= 3 && c.name !== 'lab-admin').length;
    note('ghostConnectionsOnServer', ghosts);
  },
});
