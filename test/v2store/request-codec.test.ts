// The nullable bools of pb.Request survive encoding (etcd: gogoproto nullable PrevExist/Refresh).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Request } from '../../src/proto/etcdserver/etcdserverpb/etcdserver.js';
import { decodeV2Request, encodeV2Request } from '../../src/v2store/index.js';

describe('v2 request codec', () => {
  it('keeps "absent" apart from "false" for PrevExist and Refresh', () => {
    const plain = decodeV2Request(encodeV2Request({ Method: 'PUT', Path: '/1/k', Val: 'v' }));
    assert.equal(plain.PrevExist, undefined);
    assert.equal(plain.Refresh, undefined);
    const create = decodeV2Request(encodeV2Request({ Method: 'PUT', Path: '/1/k', PrevExist: false, Refresh: false }));
    assert.equal(create.PrevExist, false);
    assert.equal(create.Refresh, false);
    const update = decodeV2Request(encodeV2Request({ Method: 'PUT', Path: '/1/k', PrevExist: true, Expiration: 5n }));
    assert.deepEqual([update.PrevExist, update.Expiration, update.Path], [true, 5n, '/1/k']);
  });

  it('shows why it exists: the generated codec alone loses the difference', () => {
    const generated = Request.decode(Request.encode({ Method: 'PUT', PrevExist: false }).finish());
    const absent = Request.decode(Request.encode({ Method: 'PUT' }).finish());
    assert.equal(generated.PrevExist, absent.PrevExist);
  });
});
