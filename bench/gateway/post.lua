-- wrk request for the gateway benchmark: a small KServe V1 prediction request.
wrk.method = "POST"
wrk.body = '{"instances":[[6.8,2.8,4.8,1.4]]}'
wrk.headers["Content-Type"] = "application/json"
