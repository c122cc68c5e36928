"""A client of TorchServe's gRPC inference API: one request, the same answer as over HTTP.

    python -m higherhrnet.handler.grpc_client image.jpg --address 127.0.0.1:8083

TorchServe's service ``org.pytorch.serve.grpc.inference.InferenceAPIsService``, method
``Predictions``, takes a ``PredictionsRequest`` (``model_name`` = 1, ``model_version`` = 2, ``input`` =
3, a map of names to bytes, which the handler sees as the form fields of an HTTP request) and returns
a ``PredictionResponse`` (``prediction`` = 1, the bytes the handler answered). The two messages are
described here at run time, with the field numbers of TorchServe's ``inference.proto``, so that
calling needs grpcio and protobuf only: no protoc and no generated files.
"""
import argparse
import functools
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE = 'org.pytorch.serve.grpc.inference'
METHOD = f'/{PACKAGE}.InferenceAPIsService/Predictions'
# TorchServe's default gRPC inference port is 7070; our config.properties moves it to 8083.
DEFAULT_ADDRESS = '127.0.0.1:8083'


@functools.cache
def messages():
    """The classes (PredictionsRequest, PredictionResponse) of TorchServe's inference.proto."""
    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name='higherhrnet_torchserve_inference.proto', package=PACKAGE,
                                               syntax='proto3')
    request = proto.message_type.add(name='PredictionsRequest')
    request.field.add(name='model_name', number=1, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    request.field.add(name='model_version', number=2, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    # map<string, bytes> input = 3: on the wire, a repeated key/value entry message
    entry = request.nested_type.add(name='InputEntry')
    entry.options.map_entry = True
    entry.field.add(name='key', number=1, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    entry.field.add(name='value', number=2, type=field.TYPE_BYTES, label=field.LABEL_OPTIONAL)
    request.field.add(name='input', number=3, type=field.TYPE_MESSAGE, label=field.LABEL_REPEATED,
                      type_name=f'.{PACKAGE}.PredictionsRequest.InputEntry')
    response = proto.message_type.add(name='PredictionResponse')
    response.field.add(name='prediction', number=1, type=field.TYPE_BYTES, label=field.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    classes = message_factory.GetMessages([proto], pool=pool)
    return classes[f'{PACKAGE}.PredictionsRequest'], classes[f'{PACKAGE}.PredictionResponse']


def predict(body, address=DEFAULT_ADDRESS, model_name='higherhrnet', timeout_s=300):
    """The answer (bytes: the JSON text HTTP would answer) to ``body``, sent as the request field
    ``data``: an image file, or a JSON body (base64 image and options, KServe v1 or v2). TorchServe's
    gRPC answers a request the handler refused with status OK: the answer is then the one-line JSON
    error of HTTP, ``{"code": 400, "message": ...}``. ``grpc.RpcError``: no answer (server down,
    unknown model, timeout)."""
    request_class, response_class = messages()
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(METHOD, request_serializer=request_class.SerializeToString,
                                   response_deserializer=response_class.FromString)
        return call(request_class(model_name=model_name, input={'data': body}), timeout=timeout_s).prediction


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('image', help='an image file (or a JSON body file)')
    parser.add_argument('--address', default=DEFAULT_ADDRESS,
                        help=f'TorchServe gRPC inference address (default {DEFAULT_ADDRESS})')
    parser.add_argument('--model-name', default='higherhrnet')
    args = parser.parse_args(argv)
    with open(args.image, 'rb') as file:
        body = file.read()
    try:
        answer = predict(body, args.address, args.model_name).decode()
    except grpc.RpcError as error:
        sys.exit(f'{args.address}: {error.code().name}: {error.details()}')
    document = json.loads(answer)
    if set(document) == {'code', 'message'}:  # the handler refused the request
        sys.exit(f'{document["code"]}: {document["message"]}')
    print(answer)


if __name__ == '__main__':
    main()
