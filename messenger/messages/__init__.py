"""The message core: accepting a send, recipients, consent and opt-outs at send time, the
lifecycle and its statuses, delivery through the channels, receipts, the queue, the rate limit,
the reconciler and print batches."""
