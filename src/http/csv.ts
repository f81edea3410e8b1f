import type { Response } from 'express';
import type { BatchItemView } from '../batches/batchService.js';
import { csv } from '../domain/csv.js';

/** A batch's result as a file: one line per item, with the sheet row it came from when it came from one. */
export function sendBatchCsv(res: Response, batchId: string, items: BatchItemView[]): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="batch-${batchId}.csv"`);
  res.send(
    csv(
      ['index', 'row', 'reference', 'status', 'contractNumber', 'contractId', 'contractStatus', 'signingUrl', 'code', 'message'],
      items.map((i) => [i.index, i.row, i.reference, i.status, i.contractNumber, i.contractId, i.contractStatus, i.signingUrl, i.code, i.message]),
    ),
  );
}
