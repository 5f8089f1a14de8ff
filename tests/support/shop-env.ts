import { FakeShopify, type FakeShopifyOptions } from './fake-shopify';
import { createIntegrationEnv, type IntegrationEnv } from './integration-env';

export interface ShopEnv {
  env: IntegrationEnv;
  shop: FakeShopify;
  close(): Promise<void>;
}

/** A test file's environment and one fake shop holding `orders` orders for the access token `token`. */
export async function startShopEnv(token: string, orders: number, shopOptions: Omit<FakeShopifyOptions, 'accessToken'> = {}): Promise<ShopEnv> {
  const env = await createIntegrationEnv();
  const shop = await new FakeShopify({ ...shopOptions, accessToken: token }).start();
  shop.addOrders(orders);
  return {
    env,
    shop,
    close: async () => {
      await shop.stop();
      await env.close();
    },
  };
}
