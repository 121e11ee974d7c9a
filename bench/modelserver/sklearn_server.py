"""A V1-protocol model server built the way KServe's sklearn server is:
FastAPI on uvicorn (uvloop + httptools, one worker), a scikit-learn estimator
whose predict() runs on the event loop, predictions returned as a flat list.

The estimator is a StandardScaler + MLPRegressor (or LinearRegression) pipeline
loaded with the very weights of the ONNX model kcanary serves, from a JSON file
written by run.mjs.
"""
import argparse
import json

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sklearn.linear_model import LinearRegression
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def build_estimator(weights):
    mean = np.array(weights["mean"], dtype=np.float64)
    std = np.array(weights["std"], dtype=np.float64)
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = mean, std, std**2
    scaler.n_features_in_, scaler.n_samples_seen_ = len(mean), 1
    if weights["kind"] == "mlp":
        hidden = weights["hidden"]
        model = MLPRegressor(hidden_layer_sizes=(hidden,), activation="relu")
        model.coefs_ = [
            np.array(weights["w1"], dtype=np.float64).reshape(len(mean), hidden),
            np.array(weights["w2"], dtype=np.float64).reshape(hidden, 1),
        ]
        model.intercepts_ = [np.array(weights["b1"], dtype=np.float64), np.array([weights["b2"]], dtype=np.float64)]
        model.n_layers_, model.n_outputs_, model.out_activation_ = 3, 1, "identity"
        model.n_features_in_ = len(mean)
    else:
        model = LinearRegression()
        model.coef_ = np.array(weights["weights"], dtype=np.float64)
        model.intercept_ = float(weights["bias"])
        model.n_features_in_ = len(mean)
    return Pipeline([("scale", scaler), ("model", model)])


def create_app(name, estimator):
    app = FastAPI()

    @app.get("/v1/models")
    async def models():
        return {"models": [name]}

    @app.get("/v1/models/{model_name}")
    async def ready(model_name: str):
        if model_name != name:
            return JSONResponse(status_code=404, content={"error": f"Model with name {model_name} does not exist."})
        return {"name": name, "ready": True}

    @app.post("/v1/models/{model_name}:predict")
    async def predict(model_name: str, request: Request):
        if model_name != name:
            return JSONResponse(status_code=404, content={"error": f"Model with name {model_name} does not exist."})
        try:
            payload = json.loads(await request.body())
            instances = np.array(payload["instances"])
            predictions = estimator.predict(instances)
        except Exception as error:  # KServe answers invalid input with 400 {"error": ...}
            return JSONResponse(status_code=400, content={"error": str(error)})
        return JSONResponse(content={"predictions": predictions.tolist()})

    return app


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--name", default="housing")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with open(args.weights) as f:
        estimator = build_estimator(json.load(f))
    uvicorn.run(
        create_app(args.name, estimator), host=args.host, port=args.port,
        workers=1, loop="uvloop", http="httptools", access_log=False, log_level="warning",
    )


if __name__ == "__main__":
    main()
