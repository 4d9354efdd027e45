-- An independent check of the create figures: wrk sends `POST /v1/orders` with the create
-- body of API.md (the same body `rampflow loadgen` sends), to rampflow or to `rampflow floor`.
--
--   WALLET_KEY=... PARTNER_ID=... USER_REF=... wrk -t2 -c64 -d10s -s benches/wrk-create.lua URL
--
-- rampflow needs a real wallet key, and a partner the user granted access (README § Load
-- testing shows the setup); the floor checks neither, but PARTNER_ID must still be a UUID.
-- No Idempotency-Key is sent: it is optional, and wrk cannot vary it cheaply. wrk prints
-- "Non-2xx or 3xx responses" when any request failed: a run with failures measures nothing.

local key = os.getenv("WALLET_KEY") or "floor-needs-no-key"
local partner = os.getenv("PARTNER_ID") or "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f"
local user = os.getenv("USER_REF") or "u-42"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.body = string.format(
  '{"direction":"offramp","partner_id":"%s","user_ref":"%s",'
    .. '"crypto":{"asset":"USDC","network":"solana","amount":"10.00"},'
    .. '"fiat":{"currency":"NGN","amount":"15000.00"},'
    .. '"user_wallet_address":"F2etcaJ1loadgenUserWallet1111111111111111111",'
    .. '"payment_method":"bank_transfer","external_ref":"lg-order"}',
  partner, user)
