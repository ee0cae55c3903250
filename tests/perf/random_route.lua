-- wrk script: each request goes to a random host hNNNN.bench.local and a random path
-- /svcNNNN/item (NNNN in 0..ROUTE_N-1), from a pool built once in init() so the per-request
-- Lua cost is one table lookup.
local n = tonumber(os.getenv("ROUTE_N") or "1000")
local pool = 8192
local reqs = {}

function init(args)
   math.randomseed(os.time())
   for i = 1, pool do
      reqs[i] = wrk.format("GET", string.format("/svc%04d/item", math.random(0, n - 1)),
                           { Host = string.format("h%04d.bench.local", math.random(0, n - 1)) })
   end
end

function request()
   return reqs[math.random(1, pool)]
end
