def test_rep_create_and_list(api):
    status, body, _ = api.post("reps", {"name": "Alex", "email": "alex@x.example"})
    assert status == 201, body
    status, listed, _ = api.get("reps")
    assert status == 200 and listed[0]["id"] == body["id"]
