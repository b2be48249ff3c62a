-- A plain GET of wrk's URL (headers from -H); counts statuses so errors show in the results.
function response(status, headers, body)
  count(status, body)
  if status < 300 then ok = ok + 1 end
end
