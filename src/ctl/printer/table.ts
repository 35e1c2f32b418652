// -w table: bordered tables for the listing commands (printer_table.go); others are refused.
import type * as pb from '../../proto/etcdserver/etcdserverpb/rpc.js';
import { renderTable } from './go-format.js';
import { Printer, type DBStatus, type EndpointHashKV, type EndpointHealth, type EndpointStatus, type Output } from './printer.js';
import { dbStatusTable, endpointHashKVTable, endpointHealthTable, endpointStatusTable, memberListTable, type Table } from './table-rows.js';

export class TablePrinter extends Printer {
  constructor(o: Output) {
    super(o, 'table');
  }
  private t([hdr, rows]: Table): void {
    this.o.out(renderTable(hdr, rows));
  }
  override memberList(r: pb.MemberListResponse): void { this.t(memberListTable(r)); }
  override endpointHealth(h: EndpointHealth[]): void { this.t(endpointHealthTable(h)); }
  override endpointStatus(s: EndpointStatus[]): void { this.t(endpointStatusTable(s)); }
  override endpointHashKV(h: EndpointHashKV[]): void { this.t(endpointHashKVTable(h)); }
  override dbStatus(s: DBStatus): void { this.t(dbStatusTable(s)); }
}
