"""OpenSCENARIO files written here the way other tools write them (no nines: properties), on
the `straight` template's road, for the import's tests.

SCENARIO, a cut-in:
The ego (a catalog vehicle) starts in lane -1 by LanePosition at $EgoSpeed; a car in lane -2
(inline Vehicle) passes it and cuts into its lane when the two are closer than $CutDistance
centre to centre (a RelativeDistanceCondition without freespace), then brakes at 2 m/s^2 at
12 s; a barrier (MiscObject by RoadPosition) stands on the shoulder side far ahead. Fog comes
from an EnvironmentAction; the StopTrigger ends the run at 30 s.

STORY, the storyboard's chains and measures: the ego (ObjectController, speed from an
expression, ${$EgoKmh / 3.6} = 12 m/s) on the route "along" of a route catalog (road 1, lane -1
from s = 0 to 290), placed by a RoutePosition 10 m along it; "lead", a catalog car whose
length a ParameterAssignment sets (5.2 m), starts in lane -2 at s = 5 and
- at the act's start takes 1.5 times the ego's speed and follows it (RelativeTargetSpeed);
- once the ego's headway to it exceeds 0.3 s, changes to lane -1 (AbsoluteTargetLane) in 2 s;
- 1 s after that lane change has ended (StoryboardElementStateCondition, endTransition),
  jumps to 10 m/s;
- when the ego reaches s = 150 within 2 m (ReachPositionCondition), brakes at 3 m/s^2.
"bus" in lane -2 at s = 250 and 5 m/s drifts 0.5 m left once it is 5 m/s slower than the ego
(RelativeSpeedCondition on the bus), jumps to 9 m/s once the ego has travelled 60 m
(TraveledDistanceCondition) and, in another event, to 3 m/s when the ego is faster than
100 m/s (SpeedCondition: never). "walker", a pedestrian placed 60 m along the route in lane 2
(the far lane of the other way: RoutePosition FromLaneCoordinates), walks a polyline of
LanePositions from s = 60 to 70 at 1.5 m/s and stops once it is within 0.5 m of s = 66
(ReachPositionCondition on the walker). The scenario ends at 25 s, or 2 s after the lead's
maneuver has ended (all four events done and the lead stopped).
"""
from __future__ import annotations

from pathlib import Path

from sim.map_templates import TEMPLATES
from sim.opendrive import to_xodr

CATALOG = """<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO><FileHeader revMajor="1" revMinor="1" date="2026-01-01T00:00:00" description="cars" author="t"/>
<Catalog name="VehicleCatalog">
  <Vehicle name="sedan" vehicleCategory="car"><ParameterDeclarations/>
    <Performance maxSpeed="60" maxAcceleration="5" maxDeceleration="9"/>
    <BoundingBox><Center x="1.4" y="0" z="0.75"/><Dimensions width="1.8" length="4.5" height="1.5"/></BoundingBox>
    <Axles><FrontAxle maxSteering="0.5" wheelDiameter="0.6" trackWidth="1.5" positionX="2.8" positionZ="0.3"/>
      <RearAxle maxSteering="0" wheelDiameter="0.6" trackWidth="1.5" positionX="0" positionZ="0.3"/></Axles>
    <Properties/></Vehicle>
  <Vehicle name="tunable" vehicleCategory="car">
    <ParameterDeclarations><ParameterDeclaration name="Length" parameterType="double" value="4.0"/>
    </ParameterDeclarations>
    <Performance maxSpeed="60" maxAcceleration="5" maxDeceleration="9"/>
    <BoundingBox><Center x="1.4" y="0" z="0.75"/><Dimensions width="1.8" length="$Length" height="1.5"/></BoundingBox>
    <Axles><FrontAxle maxSteering="0.5" wheelDiameter="0.6" trackWidth="1.5" positionX="2.8" positionZ="0.3"/>
      <RearAxle maxSteering="0" wheelDiameter="0.6" trackWidth="1.5" positionX="0" positionZ="0.3"/></Axles>
    <Properties/></Vehicle>
</Catalog></OpenSCENARIO>
"""

SCENARIO = """<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="1" date="2026-01-01T00:00:00" description="cut-in" author="tests"/>
  <ParameterDeclarations>
    <ParameterDeclaration name="EgoSpeed" parameterType="double" value="12"/>
    <ParameterDeclaration name="CutDistance" parameterType="double" value="12"/>
    <ParameterDeclaration name="nines_exposure_per_km" parameterType="double" value="0.01"/>
    <ParameterDeclaration name="nines_exposure_source" parameterType="string" value="assumed: a test scenario"/>
  </ParameterDeclarations>
  <CatalogLocations><VehicleCatalog><Directory path="catalogs"/></VehicleCatalog></CatalogLocations>
  <RoadNetwork><LogicFile filepath="straight.xodr"/></RoadNetwork>
  <Entities>
    <ScenarioObject name="hero"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/></ScenarioObject>
    <ScenarioObject name="cutter">
      <Vehicle name="cutter" vehicleCategory="car"><ParameterDeclarations/>
        <Performance maxSpeed="60" maxAcceleration="5" maxDeceleration="9"/>
        <BoundingBox><Center x="1.4" y="0" z="0.75"/><Dimensions width="1.9" length="4.8" height="1.5"/></BoundingBox>
        <Axles><FrontAxle maxSteering="0.5" wheelDiameter="0.6" trackWidth="1.5" positionX="2.8" positionZ="0.3"/>
          <RearAxle maxSteering="0" wheelDiameter="0.6" trackWidth="1.5" positionX="0" positionZ="0.3"/></Axles>
        <Properties/></Vehicle>
    </ScenarioObject>
    <ScenarioObject name="barrier">
      <MiscObject miscObjectCategory="barrier" mass="50" name="barrier"><ParameterDeclarations/>
        <BoundingBox><Center x="0" y="0" z="0.5"/><Dimensions width="2.0" length="0.5" height="1.0"/></BoundingBox>
        <Properties/></MiscObject>
    </ScenarioObject>
  </Entities>
  <Storyboard>
    <Init><Actions>
      <GlobalAction><EnvironmentAction><Environment name="fog">
        <TimeOfDay animation="false" dateTime="2026-01-01T12:00:00"/>
        <Weather cloudState="cloudy"><Sun intensity="50000" azimuth="0" elevation="0.8"/><Fog visualRange="200"/>
          <Precipitation precipitationType="dry" intensity="0"/></Weather>
        <RoadCondition frictionScaleFactor="0.9"/></Environment></EnvironmentAction></GlobalAction>
      <Private entityRef="hero">
        <PrivateAction><TeleportAction><Position><LanePosition roadId="1" laneId="-1" s="10" offset="0"/></Position>
        </TeleportAction></PrivateAction>
        <PrivateAction><LongitudinalAction><SpeedAction>
          <SpeedActionDynamics dynamicsShape="step" value="0" dynamicsDimension="time"/>
          <SpeedActionTarget><AbsoluteTargetSpeed value="$EgoSpeed"/></SpeedActionTarget></SpeedAction>
        </LongitudinalAction></PrivateAction>
      </Private>
      <Private entityRef="cutter">
        <PrivateAction><TeleportAction><Position><LanePosition roadId="1" laneId="-2" s="5" offset="0"/></Position>
        </TeleportAction></PrivateAction>
        <PrivateAction><LongitudinalAction><SpeedAction>
          <SpeedActionDynamics dynamicsShape="step" value="0" dynamicsDimension="time"/>
          <SpeedActionTarget><AbsoluteTargetSpeed value="16"/></SpeedActionTarget></SpeedAction>
        </LongitudinalAction></PrivateAction>
      </Private>
      <Private entityRef="barrier">
        <PrivateAction><TeleportAction><Position><RoadPosition roadId="1" s="280" t="-8.5"/></Position>
        </TeleportAction></PrivateAction>
      </Private>
    </Actions></Init>
    <Story name="cut_in"><Act name="act">
      <ManeuverGroup maximumExecutionCount="1" name="cutter_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="cutter"/></Actors>
        <Maneuver name="cut">
          <Event name="cut_in" priority="overwrite">
            <Action name="change"><PrivateAction><LateralAction><LaneChangeAction>
              <LaneChangeActionDynamics dynamicsShape="sinusoidal" value="2.5" dynamicsDimension="time"/>
              <LaneChangeTarget><RelativeTargetLane entityRef="cutter" value="1"/></LaneChangeTarget>
            </LaneChangeAction></LateralAction></PrivateAction></Action>
            <StartTrigger><ConditionGroup><Condition name="close" delay="0" conditionEdge="rising">
              <ByEntityCondition><TriggeringEntities triggeringEntitiesRule="any"><EntityRef entityRef="hero"/>
              </TriggeringEntities><EntityCondition>
                <RelativeDistanceCondition entityRef="cutter" freespace="false" relativeDistanceType="cartesianDistance"
                  value="$CutDistance" rule="lessThan"/></EntityCondition></ByEntityCondition>
            </Condition></ConditionGroup></StartTrigger>
          </Event>
          <Event name="brake" priority="parallel">
            <Action name="stop"><PrivateAction><LongitudinalAction><SpeedAction>
              <SpeedActionDynamics dynamicsShape="linear" value="2" dynamicsDimension="rate"/>
              <SpeedActionTarget><AbsoluteTargetSpeed value="0"/></SpeedActionTarget></SpeedAction>
            </LongitudinalAction></PrivateAction></Action>
            <StartTrigger><ConditionGroup><Condition name="later" delay="0" conditionEdge="rising">
              <ByValueCondition><SimulationTimeCondition value="12" rule="greaterThan"/></ByValueCondition>
            </Condition></ConditionGroup></StartTrigger>
          </Event>
        </Maneuver>
      </ManeuverGroup>
      <StartTrigger><ConditionGroup><Condition name="go" delay="0" conditionEdge="rising">
        <ByValueCondition><SimulationTimeCondition value="0" rule="greaterThan"/></ByValueCondition>
      </Condition></ConditionGroup></StartTrigger>
    </Act></Story>
    <StopTrigger><ConditionGroup><Condition name="end" delay="0" conditionEdge="rising">
      <ByValueCondition><SimulationTimeCondition value="30" rule="greaterThan"/></ByValueCondition>
    </Condition></ConditionGroup></StopTrigger>
  </Storyboard>
</OpenSCENARIO>
"""


def event_xml(name: str, action: str, condition: str) -> str:
    return (f'<Event name="{name}" priority="parallel"><Action name="{name}_do"><PrivateAction>{action}'
            f'</PrivateAction></Action><StartTrigger><ConditionGroup>{condition}</ConditionGroup></StartTrigger>'
            '</Event>')


def _on(entity: str, condition: str, delay: float = 0.0) -> str:
    return (f'<Condition name="c" delay="{delay}" conditionEdge="rising"><ByEntityCondition><TriggeringEntities '
            f'triggeringEntitiesRule="any"><EntityRef entityRef="{entity}"/></TriggeringEntities><EntityCondition>'
            f'{condition}</EntityCondition></ByEntityCondition></Condition>')


def _after_s(seconds: float) -> str:
    return (f'<Condition name="t" delay="0" conditionEdge="rising"><ByValueCondition><SimulationTimeCondition '
            f'value="{seconds}" rule="greaterThan"/></ByValueCondition></Condition>')


def _state(kind: str, ref: str, state: str, delay: float = 0.0) -> str:
    return (f'<Condition name="s" delay="{delay}" conditionEdge="none"><ByValueCondition>'
            f'<StoryboardElementStateCondition storyboardElementType="{kind}" storyboardElementRef="{ref}" '
            f'state="{state}"/></ByValueCondition></Condition>')


def speed_xml(value: str, shape: str = "step", rate: float = 0.0) -> str:
    dimension = "rate" if shape == "linear" else "time"
    return (f'<LongitudinalAction><SpeedAction><SpeedActionDynamics dynamicsShape="{shape}" value="{rate}" '
            f'dynamicsDimension="{dimension}"/><SpeedActionTarget>{value}</SpeedActionTarget></SpeedAction>'
            '</LongitudinalAction>')


def _lane(lane: int, s: float, offset: float = 0.0) -> str:
    return f'<Position><LanePosition roadId="1" laneId="{lane}" s="{s}" offset="{offset}"/></Position>'


def _placed(entity: str, lane: int, s: float, speed: str | None = None, route: bool = False) -> str:
    moving = f"<PrivateAction>{speed_xml(speed)}</PrivateAction>" if speed else ""
    position = (f'<Position><RoutePosition><RouteRef>{ALONG}</RouteRef><InRoutePosition><FromLaneCoordinates '
                f'pathS="{s}" laneId="{lane}"/></InRoutePosition></RoutePosition></Position>' if route
                else _lane(lane, s))
    return (f'<Private entityRef="{entity}"><PrivateAction><TeleportAction>{position}</TeleportAction>'
            f'</PrivateAction>{moving}</Private>')


def _pedestrian(name: str) -> str:
    return (f'<ScenarioObject name="{name}"><Pedestrian name="{name}" mass="70" model="adult" '
            'pedestrianCategory="pedestrian"><ParameterDeclarations/><BoundingBox><Center x="0" y="0" z="0.9"/>'
            '<Dimensions width="0.5" length="0.5" height="1.8"/></BoundingBox><Properties/></Pedestrian>'
            '</ScenarioObject>')


def _obstacle(name: str) -> str:
    return (f'<ScenarioObject name="{name}"><MiscObject name="{name}" mass="50" miscObjectCategory="obstacle">'
            '<ParameterDeclarations/><BoundingBox><Center x="0" y="0" z="0.5"/><Dimensions width="0.3" '
            'length="0.3" height="1"/></BoundingBox><Properties/></MiscObject></ScenarioObject>')


ALONG = '<CatalogReference catalogName="RouteCatalog" entryName="along"/>'
ROUTES = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO><FileHeader revMajor="1" revMinor="1" date="2026-01-01T00:00:00" description="routes" author="t"/>
<Catalog name="RouteCatalog">
  <Route name="along" closed="false"><ParameterDeclarations/>
    <Waypoint routeStrategy="shortest">{_lane(-1, 0)}</Waypoint>
    <Waypoint routeStrategy="shortest">{_lane(-1, 290)}</Waypoint>
  </Route>
</Catalog></OpenSCENARIO>
"""


LEAD_EVENTS = "".join([
    event_xml("match", speed_xml('<RelativeTargetSpeed entityRef="hero" value="1.5" speedTargetValueType="factor" '
                           'continuous="true"/>'), _state("act", "act", "startTransition")),
    event_xml("merge", '<LateralAction><LaneChangeAction><LaneChangeActionDynamics dynamicsShape="sinusoidal" value="2" '
                    'dynamicsDimension="time"/><LaneChangeTarget><AbsoluteTargetLane value="-1"/></LaneChangeTarget>'
                    '</LaneChangeAction></LateralAction>',
           _on("hero", '<TimeHeadwayCondition entityRef="lead" value="0.3" freespace="false" alongRoute="false" '
                       'rule="greaterThan"/>')),
    event_xml("settle", speed_xml('<AbsoluteTargetSpeed value="10"/>'), _state("event", "merge", "endTransition", 1.0)),
    event_xml("stop", speed_xml('<AbsoluteTargetSpeed value="0"/>', "linear", -3.0),
           _on("hero", '<ReachPositionCondition tolerance="2"><Position><LanePosition roadId="1" laneId="-1" '
                       's="150"/></Position></ReachPositionCondition>')),
])
BUS_EVENTS = "".join([
    event_xml("swerve", '<LateralAction><LaneOffsetAction continuous="false"><LaneOffsetActionDynamics '
                     'maxLateralAcc="1" dynamicsShape="linear"/><LaneOffsetTarget><AbsoluteTargetLaneOffset '
                     'value="0.5"/></LaneOffsetTarget></LaneOffsetAction></LateralAction>',
           _on("bus", '<RelativeSpeedCondition entityRef="hero" value="-5" rule="lessThan"/>')),
    event_xml("hurry", speed_xml('<AbsoluteTargetSpeed value="9"/>'),
           _on("hero", '<TraveledDistanceCondition value="60"/>')),
    event_xml("never", speed_xml('<AbsoluteTargetSpeed value="3"/>'),
           _on("hero", '<SpeedCondition value="100" rule="greaterThan"/>')),
])
WALKER_EVENTS = "".join([
    event_xml("walk", '<RoutingAction><FollowTrajectoryAction><Trajectory closed="false" name="crossing">'
                   f'<ParameterDeclarations/><Shape><Polyline><Vertex>{_lane(2, 60)}</Vertex><Vertex>{_lane(2, 70)}'
                   '</Vertex></Polyline></Shape></Trajectory><TimeReference><None/></TimeReference>'
                   '<TrajectoryFollowingMode followingMode="follow"/></FollowTrajectoryAction></RoutingAction>'
                   '</PrivateAction></Action><Action name="pace"><PrivateAction>'
                   + speed_xml('<AbsoluteTargetSpeed value="1.5"/>', "linear", 1.0),
           _state("act", "act", "startTransition")),
    event_xml("halt", speed_xml('<AbsoluteTargetSpeed value="0"/>'),
           _on("walker", f'<ReachPositionCondition tolerance="0.5">{_lane(2, 66)}</ReachPositionCondition>')),
])

STORY = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="2" date="2026-01-01T00:00:00" description="storyboard" author="tests"/>
  <ParameterDeclarations>
    <ParameterDeclaration name="EgoKmh" parameterType="double" value="43.2"/>
  </ParameterDeclarations>
  <CatalogLocations><VehicleCatalog><Directory path="catalogs"/></VehicleCatalog>
    <RouteCatalog><Directory path="catalogs"/></RouteCatalog></CatalogLocations>
  <RoadNetwork><LogicFile filepath="straight.xodr"/></RoadNetwork>
  <Entities>
    <ScenarioObject name="hero"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/>
      <ObjectController><Controller name="driver"><Properties/></Controller></ObjectController></ScenarioObject>
    <ScenarioObject name="lead"><CatalogReference catalogName="VehicleCatalog" entryName="tunable">
      <ParameterAssignments><ParameterAssignment parameterRef="Length" value="5.2"/></ParameterAssignments>
    </CatalogReference></ScenarioObject>
    <ScenarioObject name="bus"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/></ScenarioObject>
    {_pedestrian("walker")}
  </Entities>
  <Storyboard>
    <Init><Actions>
      {_placed("hero", -1, 10, '<AbsoluteTargetSpeed value="${$EgoKmh / 3.6}"/>', route=True)}
      <Private entityRef="hero"><PrivateAction><RoutingAction><AssignRouteAction>{ALONG}</AssignRouteAction>
      </RoutingAction></PrivateAction></Private>
      {_placed("lead", -2, 5)}
      {_placed("bus", -2, 250, '<AbsoluteTargetSpeed value="5"/>')}
      {_placed("walker", 2, 60, route=True)}
    </Actions></Init>
    <Story name="story"><Act name="act">
      <ManeuverGroup maximumExecutionCount="1" name="lead_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="lead"/></Actors>
        <Maneuver name="lead_moves">{LEAD_EVENTS}</Maneuver>
      </ManeuverGroup>
      <ManeuverGroup maximumExecutionCount="1" name="bus_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="bus"/></Actors>
        <Maneuver name="bus_moves">{BUS_EVENTS}</Maneuver>
      </ManeuverGroup>
      <ManeuverGroup maximumExecutionCount="1" name="walker_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="walker"/></Actors>
        <Maneuver name="walker_moves">{WALKER_EVENTS}</Maneuver>
      </ManeuverGroup>
      <StartTrigger><ConditionGroup>{_after_s(0)}</ConditionGroup></StartTrigger>
    </Act></Story>
    <StopTrigger><ConditionGroup>{_after_s(25)}</ConditionGroup>
    <ConditionGroup>{_state("maneuver", "lead_moves", "endTransition", 2.0)}</ConditionGroup></StopTrigger>
  </Storyboard>
</OpenSCENARIO>
"""


def write_cut_in(folder: Path, scenario: str = SCENARIO) -> Path:
    """The scenario, its catalog and its road (the straight template's OpenDRIVE) in folder."""
    (folder / "catalogs").mkdir(parents=True, exist_ok=True)
    (folder / "catalogs" / "vehicles.xosc").write_text(CATALOG)
    (folder / "catalogs" / "routes.xosc").write_text(ROUTES)
    (folder / "straight.xodr").write_text(to_xodr(TEMPLATES["straight"]()))
    path = folder / "cut_in.xosc"
    path.write_text(scenario)
    return path


def write_distribution(folder: Path, body: str, scenario: str = SCENARIO) -> Path:
    """A ParameterValueDistribution file over the cut-in (written beside it) whose
    distribution elements are `body` (a Stochastic or Deterministic element)."""
    write_cut_in(folder, scenario)
    path = folder / "cut_in_distribution.xosc"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="2" date="2026-01-01T00:00:00" description="cut-in variations" author="tests"/>
  <ParameterValueDistribution>
    <ScenarioFile filepath="cut_in.xosc"/>
    {body}
  </ParameterValueDistribution>
</OpenSCENARIO>
""")
    return path


def _inline_route(name: str, *points: tuple[int, int, float]) -> str:
    waypoints = "".join(f'<Waypoint routeStrategy="shortest"><Position><LanePosition roadId="{road}" laneId="{lane}" '
                        f's="{s}" offset="0"/></Position></Waypoint>' for road, lane, s in points)
    return f'<Route name="{name}" closed="false"><ParameterDeclarations/>{waypoints}</Route>'


TURN = _inline_route("turn", (2, 1, 90), (1, -1, 50))
SYNC = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="2" date="2026-01-01T00:00:00" description="left turn across path" author="t"/>
  <ParameterDeclarations/>
  <CatalogLocations/>
  <RoadNetwork><LogicFile filepath="junction_4way.xodr"/></RoadNetwork>
  <Entities>
    <ScenarioObject name="ego"><Vehicle name="ego" vehicleCategory="car"><ParameterDeclarations/>
      <BoundingBox><Center x="1.4" y="0" z="0.75"/><Dimensions width="1.8" length="4.5" height="1.5"/></BoundingBox>
      <Properties/></Vehicle></ScenarioObject>
    <ScenarioObject name="npc"><Vehicle name="npc" vehicleCategory="car"><ParameterDeclarations/>
      <BoundingBox><Center x="1.4" y="0" z="0.75"/><Dimensions width="1.8" length="4.5" height="1.5"/></BoundingBox>
      <Properties/></Vehicle></ScenarioObject>
  </Entities>
  <Storyboard>
    <Init><Actions>
      <Private entityRef="ego">
        <PrivateAction><TeleportAction><Position><LanePosition roadId="4" laneId="1" s="60" offset="0"/></Position>
        </TeleportAction></PrivateAction>
        <PrivateAction><RoutingAction><AssignRouteAction>{_inline_route("north", (4, 1, 60), (2, -1, 50))}
        </AssignRouteAction></RoutingAction></PrivateAction>
        <PrivateAction>{speed_xml('<AbsoluteTargetSpeed value="10"/>')}</PrivateAction>
      </Private>
      <Private entityRef="npc">
        <PrivateAction><RoutingAction><AssignRouteAction>{TURN}</AssignRouteAction></RoutingAction></PrivateAction>
        <PrivateAction><TeleportAction><Position><RoutePosition><RouteRef>{TURN}</RouteRef><InRoutePosition>
          <FromLaneCoordinates pathS="20" laneId="1"/></InRoutePosition></RoutePosition></Position></TeleportAction>
        </PrivateAction>
        <PrivateAction>{speed_xml('<AbsoluteTargetSpeed value="8"/>')}</PrivateAction>
      </Private>
    </Actions></Init>
    <Story name="story"><Act name="act">
      <ManeuverGroup maximumExecutionCount="1" name="npc_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="npc"/></Actors>
        <Maneuver name="npc_turns"><Event name="sync" priority="overwrite"><Action name="meet"><PrivateAction>
          <SynchronizeAction masterEntityRef="ego" targetToleranceMaster="1" targetTolerance="1">
            <TargetPositionMaster><LanePosition roadId="4" laneId="1" s="30" offset="0"/></TargetPositionMaster>
            <TargetPosition><LanePosition roadId="2" laneId="1" s="30" offset="0"/></TargetPosition>
            <FinalSpeed><AbsoluteSpeed value="5"/></FinalSpeed>
          </SynchronizeAction></PrivateAction></Action>
          <StartTrigger><ConditionGroup>{_state("act", "act", "startTransition")}</ConditionGroup></StartTrigger>
        </Event></Maneuver>
      </ManeuverGroup>
    </Act></Story>
    <StopTrigger><ConditionGroup>{_after_s(45)}</ConditionGroup></StopTrigger>
  </Storyboard>
</OpenSCENARIO>
"""


def write_sync(folder: Path) -> Path:
    """SYNC (a left turn across the ego's path, timed to meet it) and its road in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "junction_4way.xodr").write_text(to_xodr(TEMPLATES["junction_4way"]()))
    path = folder / "ltap.xosc"
    path.write_text(SYNC)
    return path


def _relative(kind: str, attributes: str, orientation: str = "") -> str:
    return f'<Position><{kind} entityRef="hero" {attributes}>{orientation}</{kind}></Position>'


def _teleport(entity: str, position: str, speed: str | None = None) -> str:
    moving = f"<PrivateAction>{speed_xml(speed)}</PrivateAction>" if speed else ""
    return (f'<Private entityRef="{entity}"><PrivateAction><TeleportAction>{position}</TeleportAction>'
            f'</PrivateAction>{moving}</Private>')


def _distance(value: float, rule: str, x: float = 70.0) -> str:
    """A DistanceCondition to (x, 4.25), centre to point."""
    return (f'<DistanceCondition value="{value}" freespace="false" rule="{rule}"><Position><WorldPosition x="{x}" '
            'y="4.25"/></Position></DistanceCondition>')


def _either(first: str, second: str) -> str:
    """Two condition groups of one trigger (in event_xml's group): either starts it."""
    return f"{first}</ConditionGroup><ConditionGroup>{second}"


def _two(first: str, second: str, delay: float = 0.0) -> str:
    """Two conditions of one group: both must hold; the delay on the second."""
    return first + second.replace('delay="0.0"', f'delay="{delay}"', 1)


KERB = ('<FollowTrajectoryAction><Trajectory closed="false" name="kerb"><ParameterDeclarations/><Shape><Polyline>'
        '<Vertex><Position><WorldPosition x="50" y="-9"/></Position></Vertex><Vertex><Position><WorldPosition '
        'x="80" y="-9"/></Position></Vertex></Polyline></Shape></Trajectory><TimeReference><None/></TimeReference>'
        '<TrajectoryFollowingMode followingMode="follow"/></FollowTrajectoryAction>')
LEAD_MOVES = "".join([
    event_xml("brake", speed_xml('<AbsoluteTargetSpeed value="0"/>', "linear", "$Rate"),
              _two(_after_s(1.0), _on("hero", '<TraveledDistanceCondition value="25"/>'))),
    event_xml("go", speed_xml('<AbsoluteTargetSpeed value="8"/>', "linear", 2.0),
              _on("lead", '<StandStillCondition duration="1.5"/>')),
    event_xml("cruise", '<LateralAction><LaneOffsetAction continuous="false"><LaneOffsetActionDynamics '
                        'maxLateralAcc="1" dynamicsShape="linear"/><LaneOffsetTarget><AbsoluteTargetLaneOffset '
                        'value="0.3"/></LaneOffsetTarget></LaneOffsetAction></LateralAction>',
              _two(_on("lead", '<SpeedCondition value="8" rule="equalTo"/>'),
                   _on("lead", '<AccelerationCondition value="-0.1" rule="greaterThan"/>'))),
])
MANEUVERS = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO><FileHeader revMajor="1" revMinor="1" date="2026-01-01T00:00:00" description="maneuvers" author="t"/>
<Catalog name="ManeuverCatalog">
  <Maneuver name="stop_and_go"><ParameterDeclarations>
    <ParameterDeclaration name="Rate" parameterType="double" value="3"/></ParameterDeclarations>{LEAD_MOVES}
  </Maneuver>
</Catalog></OpenSCENARIO>
"""
CONDITIONS = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSCENARIO>
  <FileHeader revMajor="1" revMinor="2" date="2026-01-01T00:00:00" description="conditions" author="tests"/>
  <ParameterDeclarations/>
  <CatalogLocations><VehicleCatalog><Directory path="catalogs"/></VehicleCatalog>
    <ManeuverCatalog><Directory path="catalogs"/></ManeuverCatalog></CatalogLocations>
  <RoadNetwork><LogicFile filepath="straight.xodr"/></RoadNetwork>
  <Entities>
    {_pedestrian("walker")}
    <ScenarioObject name="hero"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/></ScenarioObject>
    <ScenarioObject name="lead"><CatalogReference catalogName="VehicleCatalog" entryName="sedan"/></ScenarioObject>
    {_obstacle("post")}
    {_obstacle("sign")}
    {_pedestrian("jogger")}
  </Entities>
  <Storyboard>
    <Init><Actions>
      {_teleport("walker", _relative("RelativeObjectPosition", 'dx="60" dy="6"',
                                     '<Orientation type="relative" h="-1.5"/>'))}
      {_teleport("hero", _lane(-1, 10), '<AbsoluteTargetSpeed value="12"/>')}
      {_teleport("lead", _relative("RelativeLanePosition", 'dLane="-1" ds="30" offset="0"'),
                 '<AbsoluteTargetSpeed value="10"/>')}
      {_teleport("post", _relative("RelativeRoadPosition", 'ds="100" dt="-9"'))}
      {_teleport("sign", _relative("RelativeWorldPosition", 'dx="150" dy="12"',
                                   '<Orientation type="absolute" h="2"/>'))}
      <Private entityRef="jogger"><PrivateAction><RoutingAction>{KERB}</RoutingAction></PrivateAction></Private>
    </Actions></Init>
    <Story name="story"><Act name="act">
      <ManeuverGroup maximumExecutionCount="1" name="lead_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="lead"/></Actors>
        <CatalogReference catalogName="ManeuverCatalog" entryName="stop_and_go">
          <ParameterAssignments><ParameterAssignment parameterRef="$Rate" value="4"/></ParameterAssignments>
        </CatalogReference>
      </ManeuverGroup>
      <ManeuverGroup maximumExecutionCount="1" name="jogger_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="jogger"/></Actors>
        <Maneuver name="jogger_moves">{event_xml("jog", speed_xml('<AbsoluteTargetSpeed value="3"/>'), _either(
            _after_s(6.0), _on("hero", '<TraveledDistanceCondition value="20"/>')))}
        </Maneuver>
      </ManeuverGroup>
      <ManeuverGroup maximumExecutionCount="1" name="walker_group">
        <Actors selectTriggeringEntities="false"><EntityRef entityRef="walker"/></Actors>
        <Maneuver name="walker_moves">{event_xml(
            "stroll", '<RoutingAction><FollowTrajectoryAction><Trajectory closed="false" name="kerb">'
            '<ParameterDeclarations/><Shape><Polyline><Vertex><Position><WorldPosition x="70" y="4.25"/></Position>'
            '</Vertex><Vertex><Position><WorldPosition x="90" y="4.25"/></Position></Vertex></Polyline></Shape>'
            '</Trajectory><TimeReference><None/></TimeReference><TrajectoryFollowingMode followingMode="follow"/>'
            '</FollowTrajectoryAction></RoutingAction></PrivateAction></Action><Action name="pace"><PrivateAction>'
            + speed_xml('<AbsoluteTargetSpeed value="1.4"/>', "linear", 1.0),
            _two(_after_s(1.0), _on("hero", '<AccelerationCondition value="0.05" rule="lessThan"/>')))}
          {event_xml("brisk", speed_xml('<AbsoluteTargetSpeed value="2"/>'),
                     _on("walker", _distance(5, "greaterThan")))}
          {event_xml("halt", speed_xml('<AbsoluteTargetSpeed value="0"/>'),
                     _on("hero", _distance(20, "lessThan", 170)))}
        </Maneuver>
      </ManeuverGroup>
      <StartTrigger><ConditionGroup>{_after_s(0)}</ConditionGroup></StartTrigger>
    </Act></Story>
    <StopTrigger><ConditionGroup>{_after_s(40)}</ConditionGroup>
      <ConditionGroup>{_on("hero", '<CollisionCondition><ByType type="vehicle"/></CollisionCondition>')}
      </ConditionGroup>
      <ConditionGroup>{_on("hero", '<EndOfRoadCondition duration="0"/>')}</ConditionGroup>
      <ConditionGroup>{_two(_state("event", "cruise", "startTransition"),
                            _on("hero", '<SpeedCondition value="5" rule="greaterThan"/>'), 1.0)}</ConditionGroup>
    </StopTrigger>
  </Storyboard>
</OpenSCENARIO>
"""


def write_conditions(folder: Path, scenario: str = CONDITIONS, maneuvers: str = MANEUVERS) -> Path:
    """CONDITIONS (relative positions, a catalog maneuver, the conditions of one entity's motion
    and groups of conditions) with its catalogs and road in folder."""
    path = write_cut_in(folder, scenario)
    (folder / "catalogs" / "maneuvers.xosc").write_text(maneuvers)
    return path
