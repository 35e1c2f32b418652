// The printer for an output format name, as etcdctl's NewPrinter.
import { FieldsPrinter } from './fields.js';
import { JsonPrinter, ProtobufPrinter } from './json.js';
import type { Output, Printer } from './printer.js';
import { SimplePrinter } from './simple.js';
import { TablePrinter } from './table.js';

export { Printer, type Output, type EndpointHealth, type EndpointStatus, type EndpointHashKV, type DBStatus } from './printer.js';
export { SimplePrinter } from './simple.js';

/** undefined for an unknown format (etcdctl: "unsupported output format", exit 4). */
export function newPrinter(format: string, isHex: boolean, o: Output): Printer | undefined {
  switch (format) {
    case 'simple':
      return new SimplePrinter(o, isHex);
    case 'json':
      return new JsonPrinter(o);
    case 'fields':
      return new FieldsPrinter(o);
    case 'table':
      return new TablePrinter(o);
    case 'protobuf':
      return new ProtobufPrinter(o);
    default:
      return undefined;
  }
}
