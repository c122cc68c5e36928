"""handler.grpc_client: TorchServe's gRPC messages on the wire (the call itself: test_torchserve.py)."""
from higherhrnet.handler.grpc_client import messages


def test_the_messages_have_the_field_numbers_of_torchserves_inference_proto():
    request_class, response_class = messages()
    request = request_class(model_name='higherhrnet', model_version='1.0', input={'data': b'\xff\xd8'})
    # model_name = 1 and model_version = 2 (strings), input = 3 (map entries: key = 1, value = 2)
    assert request.SerializeToString() == (b'\n\x0bhigherhrnet' b'\x12\x031.0'
                                           b'\x1a\x0a' b'\n\x04data' b'\x12\x02\xff\xd8')
    # prediction = 1 (bytes)
    assert response_class.FromString(b'\n\x02{}').prediction == b'{}'
