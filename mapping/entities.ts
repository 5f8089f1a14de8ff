// The internal shapes ("shards") each entity type is mapped into.
import { z } from 'zod';

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal amount as a string');
const isoDate = z.iso.datetime({ offset: true });

export const orderSchema = z
  .object({
    externalId: z.string().min(1),
    orderNumber: z.string().min(1),
    status: z.string().min(1),
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code'),
    totalPrice: decimal,
    customerEmail: z.string().optional(),
    lineItems: z.array(
      z
        .object({
          externalId: z.string().optional(),
          title: z.string().optional(),
          sku: z.string().optional(),
          quantity: z.number().int().nonnegative(),
          price: decimal,
        })
        .strict(),
    ),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .strict();

// CRMs leave most of a record blank (deals without a stage, companies without a name or domain): only the id that
// identifies a record is required; a value that is there must have the right type.
export const opportunitySchema = z
  .object({
    externalId: z.string().min(1),
    name: z.string().optional(),
    amount: decimal.optional(),
    stage: z.string().optional(),
    closeDate: z.string().optional(),
    accountExternalId: z.string().optional(),
  })
  .strict();

export const accountSchema = z
  .object({ externalId: z.string().min(1), name: z.string().optional(), domain: z.string().optional(), industry: z.string().optional() })
  .strict();

export const entitySchemas: Record<string, z.ZodType<Record<string, unknown>>> = {
  Order: orderSchema,
  Opportunity: opportunitySchema,
  Account: accountSchema,
};

export type Order = z.infer<typeof orderSchema>;
